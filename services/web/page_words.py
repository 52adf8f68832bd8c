"""What a page tells a person after a form, in the page's language: a refusal (a problem) and
a note of what was done (issue 16: the use cases' English details were shown on vi and zh
pages).

**One catalogue keyed by problem code.** Every problem type the platform answers
(``services/common/problems.py::PROBLEM_TYPES``, which every ``DomainError``'s code is mapped
into) has its title in each language under ``problem_{code}`` (``-`` written ``_``):
``problem_slot_full``. ``tests/unit/test_page_words.py`` holds every code to words in vi, en
and zh. A refusal may be finer than its code: ``DomainError.why`` (``slot-past``) has its
words under ``why_{why}``, shown after the title, naming the refused field by its label and
``why_value`` (a limit) where they say ``{field}`` and ``{value}``; else the refused field's
hint (``wrong_{field}``) or its label; else the title alone. A field is never named by its
name in the code: one without a label reads "a value". The error's ``detail`` is the
developers' English and never reaches a page (the problem pages hold the same rule).

**Post, redirect, get.** A form's answer travels in the redirect's query, not as words:
``?error=validation&error_field=reason&error_why=too-long&error_value=300`` and
``?message=note_booked&message_value=B7K2Q9``; the page being drawn (``render.page``) says
them in its own language. So the address carries no English, and a reload in another
language reads in that one. Text that is no code is shown as it is: a page that already said
it in its language (the webhooks page's reasons, ``services/web/webhook_words.py``), or the
person's own words (a notice's text, a booking's code).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from gate.domain.errors import DomainError
from services.common.problems import PROBLEM_TYPES

Words = Callable[[str], str]
Known = Callable[[str], bool]

ERROR, FIELD, WHY, WHY_VALUE = "error", "error_field", "error_why", "error_value"
MESSAGE, VALUE = "message", "message_value"
# A note's key, or a code, as it may travel in a query: nothing else is looked up.
_KEY = re.compile(r"[a-z][a-z0-9_.-]{0,79}")


@dataclass(frozen=True, slots=True)
class Note:
    """What was done, said on the page after a form: ``key``, a catalogue key starting with
    ``note_`` whose words may hold ``{value}``, and ``value`` (a booking's code, a time, a
    plate: the same in every language)."""

    key: str
    value: str = ""


def problem_key(code: str) -> str:
    """The catalogue key of a problem code's title: ``slot-full`` → ``problem_slot_full``."""
    return "problem_" + code.replace("-", "_")


def why_key(why: str) -> str:
    """The catalogue key of a refusal's finer reason: ``slot-past`` → ``why_slot_past``."""
    return "why_" + why.replace("-", "_")


def code_of(error: DomainError) -> str:
    """The problem code a DomainError is answered with (an unknown one as ``conflict``, as
    ``services/common/problems.py`` answers it)."""
    return error.code if error.code in PROBLEM_TYPES else "conflict"


def error_query(error: DomainError) -> Iterator[tuple[str, str]]:
    """The query items that carry ``error`` to the page: its code, refused field, reason."""
    yield ERROR, code_of(error)
    field = error.extensions.get("field")
    if isinstance(field, str) and _KEY.fullmatch(field):
        yield FIELD, field
    if error.why:
        yield WHY, error.why
    if error.why_value is not None:
        yield WHY_VALUE, str(error.why_value)


def refusal_said(t: Words, known: Known, error: DomainError) -> tuple[str, int]:
    """A refusal for a page that draws its form again instead of redirecting (issue 16: the
    typed input is kept): the words the redirect's codes would say (``said``), in ``t``'s
    language, and the status of the error's problem (422 a wrong value, 409 a conflict)."""
    words = said(t, known, dict(error_query(error)))[1]
    return words or t("problem_title"), PROBLEM_TYPES[code_of(error)].status


def note_query(note: Note) -> Iterator[tuple[str, str]]:
    yield MESSAGE, note.key
    if note.value:
        yield VALUE, note.value


# A form field's label where the catalogue names it otherwise than the field (the others are
# labelled by their own name, or ``field_{name}``).
FIELD_LABELS = {
    "description": "cargo",
    "declaration_number": "declaration",
    "slot_start": "slot",
    "starts_at": "slot",
    "vehicle_id": "vehicle",
    "driver_id": "driver",
    "booking_id": "booking_code",
}


def field_label(t: Words, known: Known, field: str | None) -> str:
    """A refused field's label in ``t``'s language; a field without one is "a value", never
    its name in the code."""
    for key in (FIELD_LABELS.get(field or ""), field, f"field_{field}"):
        if field and key and known(key):
            return t(key)
    return t("field_unnamed")


def refusal_words(
    t: Words, known: Known, code: str, field: str | None, why: str | None, value: str = ""
) -> str:
    """A refusal in ``t``'s language: the code's title, then the finer reason (``why``, whose
    words may name the field, ``{field}``, and a limit, ``{value}``), or the refused field's
    hint (``wrong_{field}``), or its label. ``known`` says whether a catalogue key has words."""
    title_key = problem_key(code)
    title = t(title_key if known(title_key) else "problem_title")
    more = ""
    if why and known(why_key(why)):
        more = t(why_key(why)).format(field=field_label(t, known, field), value=value)
    elif field and known(f"wrong_{field}"):
        more = t(f"wrong_{field}")
    elif field:
        more = t("refused_field").format(field=field_label(t, known, field))
    return t("refusal_and_reason").format(title=title, reason=more) if more else title


# Answers with no problem code or note of their own that a redirect carries as their key: the
# accounts pages' (services/web/people.py, accounts.py) and the messages pages' "saved".
_PLAIN_KEYS = ("acct_", "messages_saved")


def _plain_words(t: Words, known: Known, key: str | None) -> str | None:
    """The words of such an answer when ``key`` is one with no placeholder; else None (a key
    holding ``{enterprise}`` is no answer, and formatting it would fail)."""
    if key is None or not key.startswith(_PLAIN_KEYS) or not known(key) or "{" in t(key):
        return None
    return t(key)


def said(t: Words, known: Known, query: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The page's ``message`` and ``error`` from its query, in ``t``'s language."""
    error = query.get(ERROR)
    if error is not None and _KEY.fullmatch(error) and known(problem_key(error)):
        value = query.get(WHY_VALUE, "")
        value = value if value.isdigit() else ""
        error = refusal_words(t, known, error, query.get(FIELD), query.get(WHY), value)
    else:
        error = _plain_words(t, known, error) or error
    message = query.get(MESSAGE)
    if message is not None and message.startswith("note_") and known(message):
        message = t(message).format(value=query.get(VALUE, ""))
    else:
        message = _plain_words(t, known, message) or message
    return message, error
