"""The booking pages say refusals and history in the page's language (issue 16: a double
click showed an English error, the history showed ``booking.created``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import gate.yard.service
from gate.domain import errors
from gate.domain.events import BookingEvent
from gate.store.tables import AuditLogEntry
from services.web import booking_words
from services.web.i18n import LANGUAGES, Translator, messages


def _entry(event: str, actor: str = "enterprise", **data: object) -> AuditLogEntry:
    return AuditLogEntry(
        chain="c",
        seq=1,
        occurred_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        event=event,
        subject_id="b",
        actor_kind=actor,
        to_status=data.pop("to_status", None),
        data=json.dumps(data),
        prev_hash="0" * 64,
        entry_hash="a" * 64,
    )


def test_every_key_the_booking_words_use_is_in_every_language():
    used = set(booking_words._BY_CODE.values()) | set(booking_words._ACTORS.values())
    used |= {"booking_refused", "booking_refused_field", "outside_opening_hours"}
    used |= {key for key in messages("vi") if key.startswith("history_")}
    for language in LANGUAGES:
        missing = sorted(key for key in used if key not in messages(language))
        assert not missing, (language, missing)


def test_a_refusal_is_worded_by_its_code_never_by_its_english_detail():
    vi = Translator("vi")
    full = errors.SlotFull("the slot has no free place")
    assert booking_words.error_words(full, vi) == vi("booking_refused_slot_full")
    assert "free place" not in booking_words.error_words(full, vi)
    zh = Translator("zh")
    assert (
        booking_words.problem_words({"type": "/problems/slot-full"}, zh)
        == "该时段已无空位：请选择其他时段。"
    )
    too_long = errors.ValidationFailed("Expected `str` of length <= 500 - at `$.cargo.description`")
    assert vi("cargo") in booking_words.error_words(too_long, vi)
    assert booking_words.refusal("something-new", vi) == vi("booking_refused")


def test_every_booking_event_of_the_platform_has_words():
    names = {cls.name for cls in _subclasses(BookingEvent)} - {BookingEvent.name}
    en = Translator("en")
    for name in names:
        worded = booking_words.what_happened(_entry(name, to_status="booked"), en)
        assert name not in worded and "history_" not in worded, (name, worded)


def test_a_history_says_the_lane_the_decision_and_the_hour_moved_from():
    en = Translator("en")
    made = _entry("booking.created", slot_start="2026-12-01T01:00:00+00:00")
    moved = _entry("booking.rescheduled", slot_start="2026-12-01T03:00:00+00:00")
    called = _entry("vehicle.called", actor="officer", lane="X1")
    decided = _entry(
        "vehicle.clearance_decided", actor="officer", agency="customs", decision="held"
    )
    steps = booking_words.steps([made, moved, called, decided], en)
    assert [s.what for s in steps] == [
        "Booked for Dec 1, 08:00",
        "Moved from Dec 1, 08:00 to Dec 1, 10:00",
        "Called to lane X1",
        "Customs: Held",
    ]
    assert steps[2].who == en("actor_officer") and steps[0].entry_hash == "a" * 12


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_a_historys_exit_says_what_the_status_line_says_for_its_direction():
    """An import truck's exit is its entry into Vietnam: the history said "已通关出场"
    (cleared and left) where the status line said "已入境" (entered)."""
    exited = _entry("vehicle.exited", actor="device", to_status="exited")
    for language in LANGUAGES:
        t = Translator(language)
        for direction in ("import", "export"):
            [step] = booking_words.steps([exited], t, direction)
            assert step.what == t(f"exited_{direction}"), (language, direction)
    assert booking_words.steps([exited], Translator("zh"), "import")[0].what == "已入境（进入越南）"


def test_a_single_driver_and_vehicle_are_named_in_the_singular():
    en = Translator("en")
    assert booking_words.refusal("validation", en, "driver_id") == en(
        "booking_refused_field"
    ).format(field="Driver")
    assert en("vehicle") == "Vehicle" and Translator("zh")("driver") == "司机"


def test_the_yard_sweeps_english_reasons_are_said_in_the_pages_language():
    # The sweep writes these sentences into the audit log (gate/yard/service.py); the
    # history showed them in English on vi and zh pages (issue 16 audit).
    source = Path(gate.yard.service.__file__).read_text()
    for sentence, zh in (
        ("did not reach the lane in time", "未按时到达车道"),
        ("missed a second call", "第二次叫号未到"),
    ):
        assert f'"{sentence}"' in source
        assert booking_words.reason_words(sentence, Translator("zh")) == zh
        assert booking_words.reason_words(sentence, Translator("vi")) != sentence
    own = "xe hỏng giữa đường"  # a person's own reason stays as written
    assert booking_words.reason_words(own, Translator("zh")) == own
