"""Who may put a truck on the road to the gate: its holder, and the shippers it lets book it.

A vehicle belongs to one enterprise at a time, its holder (the carrier, doanh nghiệp vận
tải). The holder may grant a shipper (chủ hàng) the right to book that truck until an
instant; the grant is revocable and ends by itself at that instant. Ownership changes only
by the administration's transfer, on the evidence of the vehicle registration certificate
(giấy chứng nhận đăng ký xe), whose number the vehicle carries.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from gate.domain.errors import ValidationFailed
from gate.domain.time import as_utc

# A grant runs for at most this long: a carrier's contract with a shipper is renewed, not
# open-ended, and a forgotten grant should end on its own.
GRANT_HORIZON = timedelta(days=180)

# People write the certificate number with spaces, dots, dashes or slashes between its parts
# (the Vietnamese certificate prints a series and a six-digit number; a Chinese 行驶证 has its
# own numbering). Compared without them, in upper case.
_SEPARATORS = re.compile(r"[\s.\-/_·]+")
_REGISTRATION = re.compile(r"^(?=.*\d)[A-Z0-9]{5,20}$", re.ASCII)
MAX_REGISTRATION_INPUT = 30


def normalise_registration_number(text: str) -> str:
    """The certificate number as stored and compared: ``"ab 012.345"`` → ``"AB012345"``.
    ValidationFailed unless it is 5 to 20 ASCII letters and digits with at least one digit."""
    if len(text) > MAX_REGISTRATION_INPUT:
        raise ValidationFailed("registration_number is too long", field="registration_number")
    normalised = _SEPARATORS.sub("", text).upper()
    if not _REGISTRATION.match(normalised):
        raise ValidationFailed(
            "registration_number is the vehicle registration certificate's number: "
            "5 to 20 letters and digits",
            field="registration_number",
        )
    return normalised


def check_grant_until(
    until: datetime, now: datetime, horizon: timedelta = GRANT_HORIZON
) -> datetime:
    """The end of a new grant in UTC: after ``now`` and at most ``horizon`` ahead."""
    end = as_utc(until)
    if end <= now:
        raise ValidationFailed("valid_until must be in the future", field="valid_until")
    if end > now + horizon:
        raise ValidationFailed(
            f"a grant runs at most {horizon.days} days; give an earlier valid_until",
            field="valid_until",
        )
    return end


def grant_is_live(valid_until: datetime, revoked_at: datetime | None, at: datetime) -> bool:
    """A grant lets its grantee book at ``at`` until it is revoked or its end has come."""
    return revoked_at is None and at < valid_until
