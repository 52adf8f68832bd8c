"""The catalogues say one thing one way (issue 17's trial: vi mixed "hủy" and "huỷ" in one
header, zh "临时到场" and "临时到达" for walk-ins, and the zh planner's summary used
half-width punctuation)."""

from __future__ import annotations

import re

from gate.domain.queue import QueueClass
from gate.planning.scenarios import ExtraTrucks, LaneChange, Scenario
from services.web.i18n import Translator, messages
from services.web.statistics_planner import scenario_words

# Vietnamese writes a tone mark on an open "oa", "oe" or "uy" either on its first vowel (hóa,
# hủy) or its second (hoá, huỷ). The catalogue writes the first: khóa, xóa, hủy. "qu" is a
# consonant, so "quý" is no such pair; a closed syllable (hoàn, khoảng) marks the second in
# both ways.
_SECOND_VOWEL_MARKED = re.compile(r"(?<![qQ])(?:[oO][áàảãạéèẻẽẹ]|[uU][ýỳỷỹỵ])(?!\w)")


def test_vietnamese_marks_its_tones_one_way():
    found = {
        key: _SECOND_VOWEL_MARKED.findall(text)
        for key, text in messages("vi").items()
        if _SECOND_VOWEL_MARKED.search(text)
    }
    assert not found, found
    assert messages("vi")["cancelled"] == "Đã hủy"


def test_chinese_names_walk_ins_one_way():
    zh = messages("zh")
    walk_ins = zh["stats_walk_ins"]
    assert walk_ins == "临时到场"
    assert "临时到达" not in "".join(zh.values())
    for key in ("stats_made", "stats_table_trucks_note", "counts_note"):
        assert walk_ins in zh[key], key


def test_the_planners_summary_is_punctuated_as_each_language_writes():
    scenario = Scenario(
        lanes=(LaneChange(1, 10 * 60),),
        capacity=0.5,
        extra=(ExtraTrucks(40, QueueClass.REGULAR),),
    )
    for language, factor, separator, colon, stop in (
        ("zh", "×0.5", "；", "：", "。"),
        ("vi", "×0,5", "; ", ": ", "."),
        ("en", "×0.5", "; ", ": ", "."),
    ):
        t = Translator(language)
        words = scenario_words(scenario, t)
        assert factor in words and words.count(separator) == 2, (language, words)
        answer = t("planner_answer").format(kind="K", change="C", words=words)
        assert f"C{colon}{words}{stop}" in answer, answer
    zh = Translator("zh")
    # No half-width punctuation in the Chinese summary (a time's colon and a number's point
    # are no punctuation).
    words = zh("planner_answer").format(
        kind=zh("planner_kind_past"),
        change=zh("planner_scenario"),
        words=scenario_words(scenario, zh),
    )
    assert not re.search(r"[:;,.]", re.sub(r"\d+[:.]\d+", "", words)), words
