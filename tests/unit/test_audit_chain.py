"""The hash-chained audit log: building chains, and finding where one was tampered with."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import pickle
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from gate.domain.audit import (
    GENESIS_HASH,
    MAX_SAFE_INTEGER,
    AuditEntry,
    AuditRecord,
    ChainBreak,
    canonical_form,
    chain_entry,
    entry_hash,
    verify_chain,
    verify_chains,
)
from gate.domain.bookings import BookingStatus
from gate.domain.errors import ValidationFailed
from gate.domain.time import LOCAL_TZ

HANOI = timezone(timedelta(hours=7))
GATE = "huu-nghi"
OTHER_GATE = "tan-thanh"
EVENTS = ["booking.created", "vehicle.arrived", "vehicle.called", "vehicle.exited"]
ACTOR_KINDS = ["enterprise", "device", "officer", "admin", "system"]
ROLES = ["customs", "border_guard", "quarantine", "gate_operator"]
STATUSES = [status.value for status in BookingStatus]
RECORD_FIELDS = [field.name for field in dataclasses.fields(AuditRecord)]


def record(**changes: Any) -> AuditRecord:
    """A check-in at the Hữu Nghị gate at 08:30 Hanoi time; ``changes`` override fields."""
    fields: dict[str, Any] = {
        "occurred_at": datetime(2026, 12, 1, 8, 30, tzinfo=HANOI),
        "event": "vehicle.arrived",
        "subject_id": "bk_01",
        "actor_kind": "device",
        "actor_id": "kiosk-3",
        "role": None,
        "from_status": "booked",
        "to_status": "arrived",
        "reason": "Xe đến cổng",
        "data": {"lane": 2, "weighed": True, "plate_country": "VN", "kg": 12.5, "note": None},
    }
    return AuditRecord(**(fields | changes))


def build_chain(records: list[AuditRecord], chain: str = GATE) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for item in records:
        entries.append(chain_entry(chain, entries[-1] if entries else None, item))
    return entries


def head_of(entries: list[AuditEntry]) -> tuple[int, str]:
    return entries[-1].head


aware_moments = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2040, 1, 1),
    timezones=st.sampled_from([UTC, HANOI, LOCAL_TZ, timezone(timedelta(hours=-5))]),
)
names = st.text(min_size=1, max_size=12)
optional_names = st.none() | names
facts = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
fact_maps = st.dictionaries(st.text(max_size=8), facts, max_size=4)
hex_digests = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
records = st.builds(
    AuditRecord,
    occurred_at=aware_moments,
    event=st.sampled_from(EVENTS) | names,
    subject_id=names,
    actor_kind=st.sampled_from(ACTOR_KINDS),
    actor_id=optional_names,
    role=st.none() | st.sampled_from(ROLES),
    from_status=st.none() | st.sampled_from(STATUSES),
    to_status=st.none() | st.sampled_from(STATUSES),
    reason=optional_names,
    data=fact_maps,
)


def chains(min_size: int = 1) -> st.SearchStrategy[list[AuditEntry]]:
    return st.lists(records, min_size=min_size, max_size=8).map(build_chain)


# Another value for each field of an entry, record fields and the entry's own alike.
NEW_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "occurred_at": aware_moments,
    "event": names,
    "subject_id": names,
    "actor_kind": names,
    "actor_id": optional_names,
    "role": optional_names,
    "from_status": optional_names,
    "to_status": optional_names,
    "reason": optional_names,
    "data": fact_maps,
    "chain": names,
    "seq": st.integers(-2, 20),
    "prev_hash": hex_digests,
    "entry_hash": hex_digests,
}


def value_of(entry: AuditEntry, field: str) -> Any:
    return getattr(entry.record if field in RECORD_FIELDS else entry, field)


def edited(entry: AuditEntry, field: str, value: Any) -> AuditEntry:
    """The entry with one field changed and nothing recomputed, as an edit in the database."""
    if field in RECORD_FIELDS:
        return dataclasses.replace(
            entry, record=dataclasses.replace(entry.record, **{field: value})
        )
    return dataclasses.replace(entry, **{field: value})


def test_every_field_of_an_entry_can_be_edited_in_the_tampering_tests() -> None:
    entry_fields = {field.name for field in dataclasses.fields(AuditEntry)} - {"record"}
    assert set(NEW_VALUES) == set(RECORD_FIELDS) | entry_fields


# --- building a chain ------------------------------------------------------------------------


@given(chains(), st.booleans())
def test_a_chain_built_with_chain_entry_verifies(
    entries: list[AuditEntry], with_head: bool
) -> None:
    assert [entry.seq for entry in entries] == list(range(1, len(entries) + 1))
    assert verify_chain(entries, head_of(entries) if with_head else None) is None


def test_the_first_entry_of_a_chain_follows_the_genesis_hash() -> None:
    first = chain_entry(GATE, None, record())
    assert (first.chain, first.seq, first.prev_hash) == (GATE, 1, GENESIS_HASH)
    assert first.entry_hash == entry_hash(GATE, 1, record(), GENESIS_HASH)
    assert chain_entry(GATE, (0, GENESIS_HASH), record()) == first


@given(chains(), records)
def test_appending_after_the_last_entry_or_after_the_head_gives_the_same_entry(
    entries: list[AuditEntry], item: AuditRecord
) -> None:
    last = entries[-1]
    after_entry = chain_entry(GATE, last, item)
    assert after_entry == chain_entry(GATE, last.head, item)
    assert (after_entry.seq, after_entry.prev_hash) == (last.seq + 1, last.entry_hash)


def test_an_entry_cannot_follow_an_entry_of_another_chain() -> None:
    other = chain_entry(OTHER_GATE, None, record())
    with pytest.raises(ValueError, match="cannot precede"):
        chain_entry(GATE, other, record())


@pytest.mark.parametrize(
    "head",
    [
        (-1, GENESIS_HASH),
        (0, "a" * 64),
        (3, GENESIS_HASH),
        (3, "A" * 64),
        (3, "abc"),
        (True, "a" * 64),
    ],
)
def test_an_entry_cannot_follow_a_malformed_head(head: tuple[int, str]) -> None:
    with pytest.raises(ValueError):
        chain_entry(GATE, head, record())


def test_a_chain_needs_a_name() -> None:
    with pytest.raises(ValueError):
        chain_entry("", None, record())


# --- the canonical form ----------------------------------------------------------------------


def test_the_canonical_form_is_compact_sorted_json_with_the_time_in_utc() -> None:
    # Pinned byte for byte: every stored chain is hashed in this form, so it may never change.
    expected = (
        '{"actor_id":"kiosk-3","actor_kind":"device","chain":"huu-nghi",'
        '"data":{"kg":12.5,"lane":2,"note":null,"plate_country":"VN","weighed":true},'
        '"event":"vehicle.arrived","from_status":"booked",'
        '"occurred_at":"2026-12-01T01:30:00.000000Z",'
        f'"prev_hash":"{GENESIS_HASH}","reason":"Xe đến cổng","role":null,"seq":1,'
        '"subject_id":"bk_01","to_status":"arrived"}'
    ).encode()
    assert canonical_form(GATE, 1, record(), GENESIS_HASH) == expected
    assert entry_hash(GATE, 1, record(), GENESIS_HASH) == hashlib.sha256(expected).hexdigest()


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 12, 1, tzinfo=UTC), "2026-12-01T00:00:00.000000Z"),
        (datetime(2026, 12, 1, 0, 0, 0, 5, tzinfo=UTC), "2026-12-01T00:00:00.000005Z"),
        (datetime(2026, 12, 1, 6, 59, 59, 999999, tzinfo=HANOI), "2026-11-30T23:59:59.999999Z"),
        (datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC), "0999-01-02T03:04:05.000000Z"),
    ],
)
def test_the_time_is_written_in_utc_with_six_fraction_digits_and_a_z(
    moment: datetime, text: str
) -> None:
    assert f'"occurred_at":"{text}"'.encode() in canonical_form(
        GATE, 1, record(occurred_at=moment), GENESIS_HASH
    )


@given(records, st.integers(1, 10**6), hex_digests)
def test_the_canonical_form_is_deterministic(item: AuditRecord, seq: int, prev: str) -> None:
    form = canonical_form(GATE, seq, item, prev)
    assert canonical_form(GATE, seq, item, prev) == form
    assert canonical_form(GATE, seq, dataclasses.replace(item), prev) == form
    assert canonical_form(GATE, seq, pickle.loads(pickle.dumps(item)), prev) == form


@given(records, st.randoms(use_true_random=False))
def test_the_canonical_form_does_not_depend_on_the_key_order_of_data(
    item: AuditRecord, random: Any
) -> None:
    items = list(item.data.items())
    random.shuffle(items)
    shuffled = dataclasses.replace(item, data=dict(items))
    assert canonical_form(GATE, 1, shuffled, GENESIS_HASH) == canonical_form(
        GATE, 1, item, GENESIS_HASH
    )


@given(records, st.sampled_from(RECORD_FIELDS), st.data())
def test_records_that_differ_in_any_field_have_different_canonical_forms(
    item: AuditRecord, field: str, data: st.DataObject
) -> None:
    old = getattr(item, field)
    other = dataclasses.replace(
        item, **{field: data.draw(NEW_VALUES[field].filter(lambda v: v != old))}
    )
    assert canonical_form(GATE, 1, other, GENESIS_HASH) != canonical_form(
        GATE, 1, item, GENESIS_HASH
    )


@given(records, st.integers(1, 100), hex_digests)
def test_the_chain_the_seq_and_the_previous_hash_are_part_of_the_canonical_form(
    item: AuditRecord, seq: int, prev: str
) -> None:
    form = canonical_form(GATE, seq, item, prev)
    assert canonical_form(OTHER_GATE, seq, item, prev) != form
    assert canonical_form(GATE, seq + 1, item, prev) != form
    assert (
        canonical_form(GATE, seq, item, GENESIS_HASH if prev != GENESIS_HASH else "1" * 64) != form
    )


def test_one_two_and_true_are_different_facts() -> None:
    forms = {canonical_form(GATE, 1, record(data={"n": n}), GENESIS_HASH) for n in (1, 1.0, True)}
    assert len(forms) == 3


# --- records ---------------------------------------------------------------------------------


def test_a_naive_time_is_refused_because_its_zone_would_be_a_guess() -> None:
    with pytest.raises(ValidationFailed):
        record(occurred_at=datetime(2026, 12, 1, 8, 30))


def test_a_time_that_is_not_a_datetime_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        record(occurred_at="2026-12-01T08:30:00+07:00")


def test_a_time_in_another_zone_is_kept_as_the_same_instant_in_utc() -> None:
    hanoi = record(occurred_at=datetime(2026, 12, 1, 8, 30, tzinfo=HANOI))
    utc = record(occurred_at=datetime(2026, 12, 1, 1, 30, tzinfo=UTC))
    assert hanoi.occurred_at.utcoffset() == timedelta(0)
    assert hanoi == utc
    assert canonical_form(GATE, 1, hanoi, GENESIS_HASH) == canonical_form(
        GATE, 1, utc, GENESIS_HASH
    )


@pytest.mark.parametrize(
    "data",
    [
        {"lanes": [1, 2]},
        {"lane": {"id": 2}},
        {"kg": float("nan")},
        {"kg": float("inf")},
        {"count": MAX_SAFE_INTEGER + 1},
        {"count": -MAX_SAFE_INTEGER - 1},
        {"at": datetime(2026, 12, 1, tzinfo=UTC)},
        {2: "lane"},
    ],
)
def test_data_other_than_a_few_json_scalars_is_refused(data: dict[Any, Any]) -> None:
    with pytest.raises(ValidationFailed):
        record(data=data)


@pytest.mark.parametrize("field", ["event", "subject_id", "actor_kind"])
def test_a_record_needs_an_event_a_subject_and_an_actor_kind(field: str) -> None:
    with pytest.raises(ValidationFailed):
        record(**{field: ""})


def test_text_that_utf8_cannot_encode_is_refused_when_the_record_is_made() -> None:
    with pytest.raises(ValidationFailed):
        record(reason="lone \ud800 surrogate")


def test_a_record_keeps_its_facts_even_when_the_callers_dict_changes() -> None:
    facts_given: dict[str, Any] = {"lane": 2}
    item = record(data=facts_given)
    form = canonical_form(GATE, 1, item, GENESIS_HASH)
    facts_given["lane"] = 3
    assert canonical_form(GATE, 1, item, GENESIS_HASH) == form
    with pytest.raises(TypeError):
        item.data["lane"] = 3  # type: ignore[index]


def test_a_record_survives_pickling_and_deep_copying() -> None:
    item = record()
    assert pickle.loads(pickle.dumps(item)) == item
    assert copy.deepcopy(item) == item


# --- tampering -------------------------------------------------------------------------------


@given(chains(), st.sampled_from(sorted(NEW_VALUES)), st.data(), st.booleans())
def test_editing_any_field_of_any_entry_is_reported_at_that_entry(
    entries: list[AuditEntry], field: str, data: st.DataObject, with_head: bool
) -> None:
    k = data.draw(st.integers(1, len(entries)), label="edited seq")
    old = value_of(entries[k - 1], field)
    new = data.draw(NEW_VALUES[field].filter(lambda value: value != old), label="new value")
    tampered = [*entries[: k - 1], edited(entries[k - 1], field, new), *entries[k:]]

    # The chain is named: left to the first entry, an edit of its chain would rename it.
    found = verify_chain(tampered, head_of(entries) if with_head else None, chain=GATE)

    assert found == ChainBreak(GATE, k, "entry_hash does not match its contents")


def test_an_edited_entry_whose_own_hash_was_recomputed_is_reported_at_the_entry_after_it() -> None:
    entries = build_chain([record(subject_id=f"bk_{n}") for n in range(1, 5)])
    second = entries[1]
    forged = chain_entry(GATE, entries[0], dataclasses.replace(second.record, to_status="cleared"))
    tampered = [entries[0], forged, *entries[2:]]

    assert verify_chain(tampered) == ChainBreak(GATE, 3, "prev_hash does not match entry 2")


@given(chains(min_size=2), st.data(), st.booleans())
def test_deleting_an_entry_is_reported_at_the_entry_after_it(
    entries: list[AuditEntry], data: st.DataObject, with_head: bool
) -> None:
    k = data.draw(st.integers(1, len(entries) - 1), label="deleted seq")
    tampered = [entry for entry in entries if entry.seq != k]

    found = verify_chain(tampered, head_of(entries) if with_head else None)

    assert found is not None
    assert (found.seq, found.reason.split(" (")[0]) == (k + 1, f"seq {k} missing")


def test_deleting_several_entries_in_a_row_names_them_all() -> None:
    entries = build_chain([record(subject_id=f"bk_{n}") for n in range(1, 7)])
    tampered = [entries[0], entries[4], entries[5]]
    assert verify_chain(tampered) == ChainBreak(
        GATE, 5, "seqs 2 to 4 missing (seq 1 is followed by seq 5)"
    )
    assert verify_chain(entries[2:]) == ChainBreak(
        GATE, 3, "seqs 1 to 2 missing (the log starts at seq 3)"
    )


@given(chains())
def test_deleting_the_last_entry_is_caught_by_the_head_only(entries: list[AuditEntry]) -> None:
    n = len(entries)
    tampered = entries[:-1]
    assert verify_chain(tampered) is None
    where = "the log is empty" if n == 1 else f"the log ends at {n - 1}"
    assert verify_chain(tampered, head_of(entries), chain=GATE) == ChainBreak(
        GATE, n, f"head says seq {n} but {where}"
    )


@given(chains(), records, st.data(), st.booleans())
def test_an_inserted_forged_entry_is_reported_at_its_position(
    entries: list[AuditEntry], forged_record: AuditRecord, data: st.DataObject, linked: bool
) -> None:
    # Position len + 1 appends after the last entry, which only the head can tell from a
    # genuine append; the head is given throughout.
    k = data.draw(st.integers(1, len(entries) + 1), label="position")
    before = entries[k - 2] if k > 1 else None
    if linked:
        forged = chain_entry(GATE, before, forged_record)
    else:
        true_prev = before.entry_hash if before else GENESIS_HASH
        prev = data.draw(hex_digests.filter(lambda digest: digest != true_prev), label="prev")
        forged = AuditEntry(GATE, k, forged_record, prev, entry_hash(GATE, k, forged_record, prev))
    assert forged.entry_hash == entry_hash(GATE, forged.seq, forged_record, forged.prev_hash)
    tampered = [*entries[: k - 1], forged, *entries[k - 1 :]]

    found = verify_chain(tampered, head_of(entries))

    assert found is not None
    assert found.seq == k


@given(chains(min_size=2), st.data(), st.booleans())
def test_swapping_two_entries_is_reported_at_the_first_swapped_position(
    entries: list[AuditEntry], data: st.DataObject, with_head: bool
) -> None:
    n = len(entries)
    i = data.draw(st.integers(1, n - 1), label="first")
    j = data.draw(st.integers(i + 1, n), label="second")
    tampered = list(entries)
    tampered[i - 1], tampered[j - 1] = tampered[j - 1], tampered[i - 1]

    found = verify_chain(tampered, head_of(entries) if with_head else None)

    assert found == ChainBreak(
        GATE, i, f"seq {j} stands where seq {i} belongs: entries out of order"
    )


@given(chains(min_size=2), st.data())
def test_any_reordering_is_reported_at_the_first_entry_out_of_place(
    entries: list[AuditEntry], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(range(len(entries))), label="order")
    assume(order != sorted(order))
    first_out_of_place = next(position for position, index in enumerate(order) if position != index)

    found = verify_chain([entries[index] for index in order])

    assert found is not None
    assert found.seq == first_out_of_place + 1


@given(chains(), st.data())
def test_truncating_the_tail_is_caught_with_the_head_and_not_without_it(
    entries: list[AuditEntry], data: st.DataObject
) -> None:
    n = len(entries)
    kept = entries[: data.draw(st.integers(0, n - 1), label="kept")]

    assert verify_chain(kept) is None
    found = verify_chain(kept, head_of(entries), chain=GATE)
    assert found is not None
    assert (found.chain, found.seq) == (GATE, len(kept) + 1)
    assert found.reason.startswith(f"head says seq {n} but")


@given(chains(), records, st.data())
def test_recomputing_every_hash_after_an_edit_is_caught_by_the_head_only(
    entries: list[AuditEntry], replacement: AuditRecord, data: st.DataObject
) -> None:
    n = len(entries)
    k = data.draw(st.integers(1, n), label="edited seq")
    assume(replacement != entries[k - 1].record)
    reforged = entries[: k - 1]
    for item in [replacement, *(entry.record for entry in entries[k:])]:
        reforged.append(chain_entry(GATE, reforged[-1] if reforged else None, item))

    assert verify_chain(reforged) is None
    assert verify_chain(reforged, head_of(entries)) == ChainBreak(
        GATE, n, f"entry_hash of seq {n} does not match the head"
    )


def test_entries_appended_past_the_head_are_reported_after_the_head() -> None:
    entries = build_chain([record(subject_id=f"bk_{n}") for n in range(1, 5)])
    assert verify_chain(entries, entries[1].head) == ChainBreak(
        GATE, 3, "head says seq 2 but the log goes on to 4"
    )


def test_an_entry_of_another_chain_is_refused_though_its_own_hash_holds() -> None:
    ours = build_chain([record(subject_id=f"bk_{n}") for n in range(1, 4)])
    theirs = build_chain([record(subject_id=f"bk_{n}") for n in range(1, 4)], OTHER_GATE)
    tampered = [ours[0], theirs[1], ours[2]]
    assert verify_chain(tampered) == ChainBreak(
        GATE, 2, f"an entry of chain {OTHER_GATE!r} stands here"
    )


def test_a_first_entry_that_does_not_follow_the_genesis_hash_is_refused() -> None:
    item = record()
    prev = "1" * 64
    forged = AuditEntry(GATE, 1, item, prev, entry_hash(GATE, 1, item, prev))
    assert verify_chain([forged]) == ChainBreak(
        GATE, 1, "prev_hash of the first entry is not the genesis hash"
    )


def test_a_forged_entry_repeating_an_earlier_seq_is_reported_at_that_seq() -> None:
    entries = build_chain([record(subject_id=f"bk_{n}") for n in range(1, 5)])
    forged = chain_entry(GATE, None, record(subject_id="bk_bought_a_place"))
    tampered = [*entries[:3], forged, entries[3]]
    assert verify_chain(tampered) == ChainBreak(GATE, 1, "seq 1 appears again after seq 3")


def test_an_empty_chain_verifies_against_the_empty_head_only() -> None:
    assert verify_chain([]) is None
    assert verify_chain([], (0, GENESIS_HASH)) is None
    assert verify_chain([], (0, "a" * 64), chain=GATE) == ChainBreak(
        GATE, 0, "head of the empty chain is not the genesis hash"
    )


def test_a_chain_is_read_once_so_a_generator_over_a_long_log_will_do() -> None:
    entries = build_chain([record(subject_id=f"bk_{n}") for n in range(1, 50)])

    def stream() -> Iterator[AuditEntry]:
        yield from entries

    assert verify_chain(stream(), head_of(entries)) is None
    swapped = [*entries[:9], entries[40], *entries[10:40], entries[9], *entries[41:]]
    found = verify_chain(iter(swapped))
    assert found is not None
    assert found.seq == 10


# --- many chains -----------------------------------------------------------------------------


def two_gates() -> tuple[list[AuditEntry], list[AuditEntry]]:
    ours = build_chain([record(subject_id=f"bk_{n}") for n in range(1, 5)])
    theirs = build_chain([record(subject_id=f"bk_{n}") for n in range(5, 8)], OTHER_GATE)
    return ours, theirs


def test_intact_chains_have_no_breaks() -> None:
    ours, theirs = two_gates()
    heads = {GATE: head_of(ours), OTHER_GATE: head_of(theirs)}
    assert verify_chains({GATE: ours, OTHER_GATE: theirs}, heads) == []


def test_every_broken_chain_is_reported_once_at_its_first_break_in_chain_order() -> None:
    ours, theirs = two_gates()
    heads = {GATE: head_of(ours), OTHER_GATE: head_of(theirs)}
    ours_tampered = [ours[0], edited(ours[1], "reason", "paid"), edited(ours[2], "role", "x")]
    assert verify_chains({OTHER_GATE: theirs[:-1], GATE: ours_tampered}, heads) == [
        ChainBreak(GATE, 2, "entry_hash does not match its contents"),
        ChainBreak(OTHER_GATE, 3, "head says seq 3 but the log ends at 2"),
    ]


def test_a_head_without_entries_is_a_break() -> None:
    ours, theirs = two_gates()
    heads = {GATE: head_of(ours), OTHER_GATE: head_of(theirs)}
    assert verify_chains({GATE: ours}, heads) == [
        ChainBreak(OTHER_GATE, 1, "head says seq 3 but the log is empty")
    ]


def test_entries_without_a_head_are_a_break_at_their_last_seq() -> None:
    ours, theirs = two_gates()
    assert verify_chains({GATE: ours, OTHER_GATE: theirs}, {GATE: head_of(ours)}) == [
        ChainBreak(OTHER_GATE, 3, "the chain has no head, so its tail cannot be checked")
    ]
    assert verify_chains({OTHER_GATE: []}, {}) == []


def test_entries_filed_under_another_chain_are_a_break() -> None:
    ours, theirs = two_gates()
    heads = {GATE: head_of(ours), OTHER_GATE: head_of(theirs)}
    assert verify_chains({GATE: theirs, OTHER_GATE: theirs}, heads) == [
        ChainBreak(GATE, 1, f"an entry of chain {OTHER_GATE!r} stands here")
    ]
