"""Every refusal and note a page shows has words in vi, en and zh, keyed by a stable code:
every problem type, every finer reason (``why``) the code raises, every note, every event,
vehicle type and order status a page names; and a form's refusal travels as codes and is said
in the page's language (issue 16: English details on vi and zh pages)."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qsl, urlsplit

import msgspec
import pytest

import gate.domain
from gate.domain.checkin import CheckinOutcome, RefusalReason
from gate.domain.clearance import CustomsChannel
from gate.domain.dispatch import OrderStatus
from gate.domain.errors import DomainError, SlotFull, ValidationFailed
from gate.domain.yards import VisitStatus
from gate.fleet.service import VEHICLE_TYPES
from services.common.problems import PROBLEM_TYPES
from services.common.schemas import Input
from services.web.forms import _WHY, decode_form
from services.web.i18n import DEFAULT, LANGUAGES, Translator, messages
from services.web.names import BOOKING_EVENTS, event_key, event_words, status_words
from services.web.page_words import (
    Note,
    code_of,
    problem_key,
    refusal_words,
    said,
    why_key,
)
from services.web.render import back_to

ROOT = Path(__file__).resolve().parents[2]


def _known(key: str) -> bool:
    return key in messages(DEFAULT)


def _every_domain_error() -> set[type[DomainError]]:
    for module in pkgutil.walk_packages(gate.domain.__path__, "gate.domain."):
        importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    todo = [DomainError]
    while todo:
        kind = todo.pop()
        found.add(kind)
        todo.extend(kind.__subclasses__())
    return found


def _whys_in_source() -> set[str]:
    """Every ``why="…"`` the platform's code writes, and decode_form's."""
    pattern = re.compile(r'\bwhy="([a-z0-9-]+)"')
    found: set[str] = set()
    for folder in ("gate", "services"):
        for path in (ROOT / folder).rglob("*.py"):
            found.update(pattern.findall(path.read_text()))
    found.update(why for _, why in _WHY)
    found.update(f"checkin-{reason.value}" for reason in RefusalReason)
    return found


def _notes() -> set[str]:
    pattern = re.compile(r'Note\(\s*"(note_[a-z_]+)"')
    found: set[str] = set()
    for path in (ROOT / "services").rglob("*.py"):
        found.update(pattern.findall(path.read_text()))
    # Notes whose key a code makes (services/web/console.py, services/web/yards.py).
    found.update(f"note_checkin_{o.value}" for o in CheckinOutcome if o is not o.REFUSED)
    found.update(f"note_visit_{s.value}" for s in VisitStatus)
    found.update(f"note_{action}" for action in ("inspection", "decision", "exit"))
    return found


def _keys() -> list[str]:
    keys = [problem_key(code) for code in PROBLEM_TYPES]
    keys += [why_key(why) for why in _whys_in_source()]
    keys += sorted(_notes())
    keys += [event_key(event) for event in BOOKING_EVENTS]
    keys += [f"vehicle_type_{kind}" for kind in VEHICLE_TYPES]
    keys += [f"dispatch_status_{status.value}" for status in OrderStatus]
    keys += [f"customs_channel_{channel.value}" for channel in CustomsChannel]
    keys += ["exited_export", "exited_import", "exit_import", "event_other"]
    keys += ["refusal_and_reason", "refused_field", "field_unnamed"]
    return keys


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_code_a_page_may_say_has_words_in_every_language(language: str):
    table = messages(language)
    missing = [key for key in _keys() if not table.get(key)]
    assert not missing, (language, missing)


def test_every_domain_error_is_answered_with_a_problem_type_that_has_words():
    for kind in _every_domain_error():
        code = kind.code if kind.code in PROBLEM_TYPES else "conflict"
        assert _known(problem_key(code)), kind


def test_the_words_hold_the_same_placeholders_in_every_language():
    placeholder = re.compile(r"\{(\w+)\}")
    for key in _keys():
        wanted = {tuple(sorted(placeholder.findall(messages(lang)[key]))) for lang in LANGUAGES}
        assert len(wanted) == 1, (key, wanted)


def test_the_chinese_words_use_full_width_punctuation():
    for key in _keys():
        text = messages("zh")[key]
        bare = re.sub(r"\{\w+\}", "", text)
        assert not re.search(r"[,;:!?]|\.(?!\d)", bare), (key, text)


def test_a_refused_form_travels_as_codes_and_reads_in_the_pages_language():
    refused = SlotFull("the slot has no free place", capacity=3)
    location = back_to("/portal/book?gate=tan-thanh", error=refused).url
    query = dict(parse_qsl(urlsplit(location).query))
    assert query["error"] == "slot-full" and query["gate"] == "tan-thanh"
    assert "free place" not in location  # the developers' English stays out of the address
    for language, title in (("vi", "Khung giờ đã hết chỗ"), ("zh", "该时段已满")):
        _, error = said(Translator(language), _known, query)
        assert error == title


def test_a_finer_reason_and_the_refused_field_are_said_after_the_title():
    zh = Translator("zh")
    words = refusal_words(zh, _known, "invalid-slot", None, "slot-past")
    assert words == "该时段不可预约：该时段已过。"
    words = refusal_words(zh, _known, "validation", "reason", "wrong-length")
    assert words == "请求无效：“原因”的长度不符合要求。"
    # A field the catalogue has no label for is never named by its code.
    vi = Translator("vi")
    words = refusal_words(vi, _known, "validation", "cursor_token", "wrong-form")
    assert "cursor_token" not in words and words.startswith("Yêu cầu không hợp lệ")


def test_text_that_is_no_code_is_shown_as_it_is_and_an_unknown_code_too():
    vi = Translator("vi")
    words = "Chọn ít nhất một sự kiện."
    assert said(vi, _known, {"error": words})[1] == words
    assert said(vi, _known, {"message": "B7K2Q9"})[0] == "B7K2Q9"
    assert said(vi, _known, {"message": "note_booked", "message_value": "B7K2Q9"})[0] == (
        "Đã đăng ký: B7K2Q9"
    )


def test_a_form_refused_by_the_apis_type_names_its_field_and_the_kind_of_rule():
    class Cargo(Input):
        description: Annotated[str, msgspec.Meta(max_length=5)] = ""
        weight_kg: int = 0

    with pytest.raises(ValidationFailed) as caught:
        decode_form({"weight_kg": "nine"}, Cargo)
    assert caught.value.extensions["field"] == "weight_kg"
    assert caught.value.why == "not-a-number"
    with pytest.raises(ValidationFailed) as caught:
        decode_form({"description": "Thanh long"}, Cargo)
    assert (caught.value.why, caught.value.why_value) == ("too-long", 5)
    query = dict(parse_qsl(urlsplit(back_to("/portal/book", error=caught.value).url).query))
    assert said(Translator("zh"), _known, query)[1] == "请求无效：“货物”最多5个字符。"


def test_a_domain_error_of_an_unknown_code_is_answered_as_a_conflict():
    class Odd(DomainError):
        code = "odd"

    assert code_of(Odd()) == "conflict"
    assert code_of(SlotFull()) == "slot-full"


def test_notes_name_what_was_done_in_the_pages_language():
    location = back_to("/console/tan-thanh", message=Note("note_called", "B7K2Q9")).url
    query = dict(parse_qsl(urlsplit(location).query))
    assert said(Translator("zh"), _known, query)[0] == "已叫号：B7K2Q9。"


def test_an_import_trucks_exit_is_its_entry_into_vietnam():
    vi, zh = Translator("vi"), Translator("zh")
    assert status_words(vi, "exited", "import") == "Đã nhập cảnh"
    assert status_words(vi, "exited", "export") == "Đã xuất cảnh"
    assert status_words(zh, "exited", "import") == "已入境（进入越南）"
    assert status_words(vi, "booked", "import") == vi("booked")


def test_an_event_is_named_in_words_never_by_its_code():
    en = Translator("en")
    assert event_words(en, "booking.created") == "Booking made"
    assert event_words(en, "something.new") == "Another change"


def test_every_page_that_names_gates_by_code_is_given_the_gates():
    """``gate_name_of(code)`` names a gate by the rows in the page's ``gate_rows`` and falls
    back to the code: a handler that passes them under another name showed ``tan-thanh`` in
    every language (the portal's list). Each template calling it (or including one that
    does) must be rendered only by handlers whose module passes ``gate_rows``."""
    templates = ROOT / "frontend" / "templates"
    calling = {
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if "gate_name_of(" in path.read_text(encoding="utf-8")
    }
    for path in templates.rglob("*.html"):  # one level of include/extends is enough here
        text = path.read_text(encoding="utf-8")
        if any(f'"{name}"' in text for name in calling):
            calling.add(str(path.relative_to(templates)))
    assert calling
    handlers = list((ROOT / "services" / "web").glob("*.py"))
    for name in sorted(calling):
        rendering = [p for p in handlers if f'"{name}"' in p.read_text(encoding="utf-8")]
        for module in rendering:
            assert "gate_rows" in module.read_text(encoding="utf-8"), (name, module.name)
