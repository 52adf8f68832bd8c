"""The pages' forms decoded into the API's own input types, so a form is held to exactly the
constraints of the API call it stands for (lengths, patterns, ranges, characters, times):
one definition in ``services/api/*/schemas.py``, not a copy here. A form the API would refuse
sends the user back to it with the reason (post, redirect, get), and nothing is stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from litestar.response import Redirect

from gate.domain.errors import DomainError, ValidationFailed
from gate.store.unit_of_work import UnitOfWork
from services.common.schemas import Input
from services.web.render import back_to

T = TypeVar("T", bound=Input)


def decode_form(form: Mapping[str, str], into: type[T], **fields: Any) -> T:
    """The form's fields named as ``into``'s (its wire names) decoded into ``into``, with
    ``fields`` (what a page writes otherwise: a checkbox, a nested part, a local time) in
    their place. An empty field counts as not sent: a browser sends an empty input as ``""``,
    where an API client leaves the field out. Text is converted as a form must be (``"12.5"``
    to a number, ``"true"`` to a boolean); everything else is the API's rule.

    Raises ValidationFailed with the reason, naming the field: msgspec's message for a
    constraint (``Expected `str` of length <= 300 - at `$.reason```), or the input type's own
    check (a control character, a time outside the accepted window)."""
    values: dict[str, Any] = {
        name: form[name] for name in into.__struct_encode_fields__ if form.get(name)
    }
    values.update((name, value) for name, value in fields.items() if value is not None)
    try:
        return msgspec.convert(values, into, strict=False)
    except msgspec.ValidationError as error:
        raise ValidationFailed(str(error)) from None


@dataclass(frozen=True, slots=True)
class Refused:
    """A use case's answer the page shows as its error though nothing was raised, so what the
    use case wrote stays (a check-in by hand that is refused is recorded as one)."""

    detail: str


async def run_form(
    uow: UnitOfWork,
    here: str,
    act: Callable[[], Awaitable[str | Refused | None]],
    *,
    savepoint: bool = True,
) -> Redirect:
    """Run a use case from a form and come back to the page at ``here`` (post, redirect, get).

    ``act`` decodes the form and calls the use case, in a savepoint: a DomainError it raises
    (the form refused by decode_form, a rule of the use case) undoes what it wrote and comes
    back as the page's ``error``, the error's detail. Otherwise its answer comes back: a
    message (a booking's code, a count), None for none, or Refused with the error to show.
    Who may post, and the page's own record (its gate, its yard), are found before: a missing
    one or a refusal of the rule book is a 4xx answer, not a message on a page. Without
    ``savepoint``, ``act`` writes nothing in ``uow`` (it has the check-in pipeline's own
    transaction do it, services/checkins/by_hand.py)."""
    try:
        if savepoint:
            async with uow.savepoint():
                answer = await act()
        else:
            answer = await act()
    except DomainError as error:
        return back_to(here, error=error.detail)
    if isinstance(answer, Refused):
        return back_to(here, error=answer.detail)
    return back_to(here, message=answer)
