from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from gate.domain.holders import MAX_REGISTRATION_INPUT
from gate.domain.plates import format_plate
from gate.fleet.grants import GrantRow
from gate.store.tables import Driver, Vehicle
from gate.transfers.service import TransferDone
from services.api.accounts.schemas import TaxCode
from services.common.schemas import (
    CountryCode,
    Identifier,
    Input,
    Output,
    Phone,
    PlateText,
    Reason,
    ShortText,
    local,
    local_or_none,
)

VehicleType = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
IdNumber = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9]{6,20}$")]
# The registration certificate's number (giấy đăng ký xe); its shape is checked by
# gate/domain/holders.py, which also normalises it.
RegistrationNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_REGISTRATION_INPUT)]


class VehicleCreate(Input):
    plate: PlateText
    vehicle_type: VehicleType
    trailer_plate: PlateText | None = None
    registration_number: RegistrationNumber | None = None


class VehicleView(Output):
    id: str
    plate: str
    plate_normalised: str
    country: str
    trailer_plate: str | None
    vehicle_type: str
    created_at: datetime
    registration_number: str | None = None

    @classmethod
    def of(cls, row: Vehicle) -> VehicleView:
        trailer = format_plate(row.trailer_plate) if row.trailer_plate else None
        return cls(
            row.id,
            format_plate(row.plate),
            row.plate,
            row.country,
            trailer,
            row.vehicle_type,
            local(row.created_at),
            row.registration_number,
        )


class DriverCreate(Input):
    full_name: ShortText
    id_number: IdNumber
    phone: Phone
    nationality: CountryCode = "VN"


class DriverView(Output):
    id: str
    full_name: str
    id_number: str
    phone: str
    nationality: str
    created_at: datetime

    @classmethod
    def of(cls, row: Driver) -> DriverView:
        return cls(
            row.id, row.full_name, row.id_number, row.phone, row.nationality, local(row.created_at)
        )


class GrantCreate(Input):
    """Let the enterprise with this tax code (mã số thuế) book one of your vehicles until
    ``valid_until`` (with a UTC offset; at most 180 days ahead)."""

    vehicle_id: Identifier
    grantee_tax_code: TaxCode
    valid_until: datetime


class GrantGivenView(Output):
    """A grant as its holder sees it."""

    id: str
    vehicle_id: str
    plate: str
    vehicle_type: str
    grantee_id: str
    grantee_name: str
    grantee_tax_code: str
    valid_until: datetime
    live: bool
    created_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None

    @classmethod
    def of(cls, row: GrantRow, now: datetime) -> GrantGivenView:
        grant = row.grant
        return cls(
            grant.id,
            grant.vehicle_id,
            format_plate(row.plate),
            row.vehicle_type,
            grant.grantee_id,
            row.grantee_name,
            row.grantee_tax_code,
            local(grant.valid_until),
            row.is_live(now),
            local(grant.created_at),
            local_or_none(grant.revoked_at),
            grant.revoke_reason,
        )


class GrantReceivedView(Output):
    """A grant as its grantee sees it: the truck's plate and type, nothing of the holder."""

    id: str
    vehicle_id: str
    plate: str
    vehicle_type: str
    valid_until: datetime
    live: bool
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: GrantRow, now: datetime) -> GrantReceivedView:
        grant = row.grant
        return cls(
            grant.id,
            grant.vehicle_id,
            format_plate(row.plate),
            row.vehicle_type,
            local(grant.valid_until),
            row.is_live(now),
            local(grant.created_at),
            local_or_none(grant.revoked_at),
        )


class TransferCreate(Input):
    """The administration's transfer of a vehicle, on the evidence of its registration
    certificate."""

    plate: PlateText
    new_holder_id: Identifier
    registration_number: RegistrationNumber
    reason: Reason


class TransferView(Output):
    vehicle: VehicleView
    former_holder_id: str
    grants_revoked: list[str]
    bookings_cancelled: list[str]

    @classmethod
    def of(cls, done: TransferDone) -> TransferView:
        return cls(
            VehicleView.of(done.vehicle),
            done.former_holder_id,
            done.grants_revoked,
            [b.id for b in done.bookings_cancelled],
        )
