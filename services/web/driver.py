"""The driver's page (trang của tài xế): a phone page opened from a link the booking's
enterprise made (gate/driver_page/links.py), in Vietnamese, Chinese and English.

The link is the only credential: it opens this truck's page, its JSON and its position post,
nothing else. It is no session: these routes set no cookie and read none, so they sit outside
the pages' CSRF guard (a forged post would need the secret in the URL, which is the whole
credential). The language is the ``lang`` query value, else the browser's.

Live by polling (docs/architecture.md, "The driver's page"): the page asks ``state`` every few
seconds with ``If-None-Match``; an unchanged state is a 304 with no body.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.response import Template

from gate.domain.bookings import BookingStatus
from gate.domain.driver import LinkGone, Step
from gate.domain.errors import NotFound
from gate.domain.fees import FeeStatus
from gate.domain.locale import gate_name
from gate.domain.plates import format_plate
from gate.domain.time import SLOT_LENGTH, as_local, utc_now
from gate.driver_page.links import booking_of_link, token_hash
from gate.driver_page.page import TruckPage, truck_page
from gate.driver_page.positions import share_position
from gate.gates.service import list_gates
from gate.messages.preferences import driver_choices, offered_channels
from gate.store.unit_of_work import UnitOfWork
from services.api.driver.schemas import PositionInput, RoadView
from services.api.fees.schemas import FeeView
from services.common.contract import documented
from services.platform import Platform
from services.web.driver_messages import channels_shown, driver_messages, driver_of
from services.web.i18n import LANGUAGES, Translator, pick_language
from services.web.names import status_words
from services.web.pay_code import fee_pay_code

# The words the page's script needs to redraw what the template rendered.
SCRIPT_WORDS = (
    "updated_at",
    "offline_retrying",
    "sharing_on",
    "sharing_off",
    "sharing_denied",
    "sharing_unsupported",
    "heading_yard",
    "heading_gate",
    "dispatch_order",
    "go_to_gate",
    "before",
    "waiting_yard",
    "control_yard_place",
    "estimated_call",
    *(f"fee_sched_status_{status.value}" for status in FeeStatus),
)


class TruckState(msgspec.Struct):
    """The page's JSON: small, for a poor mobile connection (a few hundred bytes)."""

    code: str
    gate: str
    gate_name: str
    direction: str
    slot_start: str
    slot_end: str
    plate: str
    status: str
    step: str
    place: int | None
    estimated_call_at: str | None
    road: RoadView
    # The crossing's fee (issue 19): null when none was fixed. Last and optional: a page
    # loaded before it reads the state as before.
    fee: FeeView | None = None


class PositionAnswer(msgspec.Struct):
    """``stored`` false once the truck is at its gate: the page then stops sharing."""

    stored: bool
    destination: str | None
    destination_name: str | None
    estimated_arrival_at: str | None


def _hm(moment: Any) -> str | None:
    return as_local(moment).isoformat() if moment is not None else None


def state_of(view: TruckPage) -> TruckState:
    b = view.booking
    return TruckState(
        code=b.code,
        gate=view.gate.code,
        gate_name=view.gate.name,
        direction=b.direction,
        slot_start=as_local(b.slot_start).isoformat(),
        slot_end=as_local(b.slot_start + SLOT_LENGTH).isoformat(),
        plate=format_plate(b.plate),
        status=b.status,
        step=view.step.value,
        place=view.queue.place if view.queue else None,
        estimated_call_at=_hm(view.queue.estimated_call_at) if view.queue else None,
        road=RoadView.of(view.road),
        fee=FeeView.of_any(view.fee),
    )


def _language(request: Request[Any, Any, Any]) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    return pick_language(None, request.headers.get("accept-language"))


def _gone(t: Translator, error: NotFound | LinkGone) -> Template:
    status = 410 if isinstance(error, LinkGone) else 404
    return Template(
        template_name="driver_gone.html",
        context={"t": t, "lang": t.language, "status": status},
        status_code=status,
    )


@get("/{token:str}", include_in_schema=False)
async def driver_page(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> Template:
    """The page; a revoked or expired link answers 410, an unknown one 404, saying only
    that (nothing about any truck). Its message form lists the channels this platform
    offers (and the driver's own one, kept while it is not)."""
    t = Translator(_language(request))
    try:
        booking = await booking_of_link(uow, token, utc_now())
    except (NotFound, LinkGone) as error:
        return _gone(t, error)
    state = state_of(await truck_page(uow, booking, utc_now()))
    driver = await driver_of(uow, booking)
    messages = await driver_choices(uow.session, driver) if driver else None
    keys = (*SCRIPT_WORDS, *(s.value for s in Step), *(s.value for s in BookingStatus))
    words = {key: t(key) for key in keys}
    # An exit in its direction's words (into Vietnam, or out of it), as the status shows.
    words[BookingStatus.EXITED.value] = status_words(t, "exited", state.direction)
    gate_rows = await list_gates(uow)
    # The gates by name in the page's language, for the script's dispatch orders too.
    words.update((f"gate_{g.code}", gate_name(g, t.language)) for g in gate_rows)
    return Template(
        template_name="driver.html",
        context={
            "t": t,
            "lang": t.language,
            "s": state,
            # The VietQR code to pay the fee by at the yard, while it is due (public as the
            # page: the payee's account and the fee's own facts, nothing of the driver).
            "pay": fee_pay_code(platform.settings, state.fee),
            "token": token,
            "words": words,
            "languages": (("vi", "Tiếng Việt"), ("zh", "中文"), ("en", "English")),
            "local": as_local,
            # The gates by name in the page's language (services/web/names.py).
            "gate_rows": gate_rows,
            "messages": messages,
            "messages_channels": (
                channels_shown(messages, offered_channels(platform.settings)) if messages else []
            ),
            "messages_outcome": request.query_params.get("messages"),
        },
    )


# The page's two JSON routes are in the API docs (their own tag): the secret in the path is
# their only credential, so they carry no ``security``.
_TAGS = ["driver's page"]
_LINK = (
    " The secret in the path (the link's, `/d/{token}`) is the only credential: no account, "
    "no cookie."
)


_STATE_DOC = documented(
    "Read the driver's page's state",
    answer=(200, TruckState, "The truck's state"),
    problems=["not-found", "link-gone"],
)
_STATE_DOC["responses"][304] = ResponseSpec(
    None, description="Not modified: the state If-None-Match names (no body)"
)


@get(
    "/{token:str}/state",
    include_in_schema=True,
    tags=_TAGS,
    operation_id="getDriverPageState",
    description="The truck's page as JSON, with an ETag; 304 with no body when If-None-Match "
    "names it; 404 for an unknown link, 410 for a revoked or expired one." + _LINK,
    **_STATE_DOC,
)
async def driver_state(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    uow: NamedDependency[UnitOfWork],
) -> Response[bytes]:
    """The page's state as JSON with an ETag; 304 when ``If-None-Match`` names it. 404 or
    410 problem details once the link opens nothing."""
    booking = await booking_of_link(uow, token, utc_now())
    body = msgspec.json.encode(state_of(await truck_page(uow, booking, utc_now())))
    etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
    headers = {"etag": etag}
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@post(
    "/{token:str}/position",
    include_in_schema=True,
    status_code=200,
    tags=_TAGS,
    operation_id="shareDriverPosition",
    description="Share the truck's position (degrees WGS 84, accuracy in metres); the last one "
    "is kept with its destination and arrival estimate. 429 past GATE_DRIVER_POSITION_LIMIT "
    "for this link." + _LINK,
    **documented(
        "Share the truck's position", problems=["not-found", "link-gone", "too-many-requests"]
    ),
)
async def driver_position(
    token: FromPath[str],
    data: JSONBody[PositionInput],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> PositionAnswer:
    """Keep the position the driver chose to share (the last one only; gate/driver_page/
    positions.py). 422 for what no browser gives, 429 past GATE_DRIVER_POSITION_LIMIT for
    this link, 404/410 for a link that opens nothing."""
    now = utc_now()
    booking = await booking_of_link(uow, token, now)
    await platform.throttles.driver_position(token_hash(token))
    shared = await share_position(uow, booking, data.latitude, data.longitude, data.accuracy_m, now)
    where = shared.destination
    return PositionAnswer(
        stored=shared.stored,
        destination=where.kind if where else None,
        destination_name=where.name if where else None,
        estimated_arrival_at=_hm(shared.estimated_arrival_at),
    )


driver_router = Router(
    path="/d",
    route_handlers=[driver_page, driver_state, driver_position, driver_messages],
)
