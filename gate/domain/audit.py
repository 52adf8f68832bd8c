"""The audit log (nhật ký kiểm toán): append-only, one SHA-256 hash chain per gate.

The order of the queue at a border gate is distrusted ("buying a place"), so every state
transition of a booking is written to an append-only log in which each entry carries the
SHA-256 of the entry before it and of its own canonical form. Anyone holding the log can check
that no entry was edited, deleted, inserted or moved. There is one chain per gate (the chain
key is a string such as the gate id), so appends at one gate never wait for another's.

This module is the pure core: it builds entries and checks chains. Storing them, and the head
of each chain, is the store's business.

Canonical form
--------------
An entry's hash is the lowercase hex SHA-256 of the UTF-8 bytes of one JSON object::

    {"actor_id":…,"actor_kind":…,"chain":…,"data":{…},"event":…,"from_status":…,
     "occurred_at":"2026-12-01T01:30:00.000000Z","prev_hash":…,"reason":…,"role":…,
     "seq":1,"subject_id":…,"to_status":…}

* every key is always present, ``None`` as ``null``; keys are sorted by code point, in
  ``data`` too; no whitespace (separators ``,`` and ``:``);
* strings are UTF-8 text escaping only ``"``, ``\\`` and control characters (``\\b \\f \\n \\r
  \\t``, the others as ``\\u00xx`` in lower case), as ``json.dumps(..., ensure_ascii=False)``
  writes them;
* ``occurred_at`` is the instant in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, always with six
  fraction digits, so that one instant has one spelling (PostgreSQL ``timestamptz`` keeps
  microseconds exactly);
* ``seq`` and integers in ``data`` are decimal, and integers in ``data`` lie within
  ±(2**53 − 1) so that a verifier in JavaScript reads them exactly; floats are finite and
  written as Python's ``repr`` (the shortest form that reads back); booleans are ``true`` and
  ``false``. ``1``, ``1.0`` and ``true`` are different facts here, though Python calls them
  equal, so the store must give back the JSON types it was given.

For ASCII keys, strings, integers, booleans and null this is byte for byte the RFC 8785 (JCS)
form; floats are where a verifier in another language must take care. The format is frozen:
changing it would break every stored chain, and the unit tests pin its bytes.

Verifying
---------
``verify_chain`` walks the entries of one chain in stored order (by seq), expecting seq 1 and
the genesis hash first, and checks each entry in this order: (1) its entry_hash is the hash of
its contents; (2) it belongs to the chain; (3) its seq is the one expected; (4) its prev_hash is
the entry_hash of the entry before. Given the chain's head (last seq, last entry_hash), it then
checks that the log ends exactly there, with that hash. The first failing check is the break,
and ``ChainBreak.seq`` names the first broken entry:

* entry k edited, any field (seq and prev_hash are hashed too): k, its hash no longer matches;
* entry k edited and its own hash recomputed: k + 1, whose prev_hash no longer matches;
* entry k deleted: k + 1, the entry after the gap ("seq k missing"); when k was the last
  entry only the head sees it, reported as k ("head says seq k but the log ends at k − 1");
* a forged entry inserted at position k: k. If it claims seq k and links to entry k − 1 it is
  consistent on its own, and the break shows at the next entry, which repeats seq k; otherwise
  its seq or prev_hash fails at once. An entry repeating an earlier seq s is reported at s;
* entries reordered: the first position p out of place (an entry of a later seq stands where
  seq p belongs, and seq p comes later). A seq above the expected one is a gap when the
  expected seq never comes and a reordering when it comes later; telling them apart reads the
  rest of the log for that one seq, so memory stays constant however long the chain;
* tail truncated after entry m: m + 1, and only against the head;
* entries appended past the head: the head's seq + 1;
* every hash recomputed after an edit (a full re-forge): only the head sees it, as its hash no
  longer matching the last entry, reported at the head's seq. Where the edit was is then found
  by comparing with an older copy of the log.

What the chain proves
---------------------
The chain alone proves that the log is consistent with itself. Whoever can write the log can
also rewrite it from any entry on and recompute every hash; only the head catches that, and
only if it is kept where that writer cannot change it unseen (published, signed, or copied to
a third party). Read the head and the entries in one snapshot, or an append made in between
looks like entries past the head. Nor does the log prove that a record is true: only that it
was not changed after it was written.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import chain as chained
from types import MappingProxyType
from typing import TypeAlias

from gate.domain.errors import ValidationFailed
from gate.domain.events import Fact
from gate.domain.time import as_utc

GENESIS_HASH = "0" * 64

# The largest integer every JSON reader holds exactly (an IEEE double's 53-bit mantissa).
MAX_SAFE_INTEGER = 2**53 - 1

ChainHead: TypeAlias = tuple[int, str]
"""``(seq, entry_hash)`` of a chain's last entry; ``(0, GENESIS_HASH)`` for an empty chain."""

_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_REQUIRED_TEXT = ("event", "subject_id", "actor_kind")
_OPTIONAL_TEXT = ("actor_id", "role", "from_status", "to_status", "reason")


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """What is audited about one transition of a booking, before it is placed in a chain.

    ``occurred_at`` must be aware and is kept in UTC. ``data`` holds a few extra facts as JSON
    scalars; the record keeps a read-only copy, so the caller's dict changing later cannot
    change what was hashed. Only what the canonical form needs is checked here (not, say, that
    ``actor_kind`` is a known kind), so that records written under older rules can always be
    read back and verified.
    """

    occurred_at: datetime
    event: str
    subject_id: str
    actor_kind: str
    actor_id: str | None
    role: str | None
    from_status: str | None
    to_status: str | None
    reason: str | None
    data: Mapping[str, Fact]

    def __post_init__(self) -> None:
        if not isinstance(self.occurred_at, datetime):
            raise ValidationFailed("occurred_at must be a datetime", field="occurred_at")
        object.__setattr__(self, "occurred_at", as_utc(self.occurred_at))
        for name in _REQUIRED_TEXT:
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValidationFailed(f"an audit record needs a {name}", field=name)
        for name in _OPTIONAL_TEXT:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValidationFailed(f"{name} must be text or None", field=name)
        object.__setattr__(self, "data", MappingProxyType(_checked_data(self.data)))
        # A string UTF-8 cannot encode (a lone surrogate) would only fail when the entry is
        # hashed, inside the transaction that audits the change; refuse it here instead.
        try:
            _canonical_json(_record_fields(self))
        except UnicodeEncodeError:
            raise ValidationFailed("an audit record must be valid Unicode text") from None

    def __reduce__(self) -> tuple[type[AuditRecord], tuple[object, ...]]:
        # A mappingproxy can be neither pickled nor deep-copied: rebuild from a plain dict.
        return (
            AuditRecord,
            (
                self.occurred_at,
                self.event,
                self.subject_id,
                self.actor_kind,
                self.actor_id,
                self.role,
                self.from_status,
                self.to_status,
                self.reason,
                dict(self.data),
            ),
        )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A record placed in a chain: its position and the hashes that tie it to the chain."""

    chain: str
    seq: int
    record: AuditRecord
    prev_hash: str
    entry_hash: str

    @property
    def head(self) -> ChainHead:
        """The chain's head once this entry is its last: ``(seq, entry_hash)``."""
        return (self.seq, self.entry_hash)


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """Where a chain stops being trustworthy.

    ``seq`` is the seq of the first broken entry as stored, or as expected where the stored
    one cannot be believed (see the module docstring for each kind of tampering).
    """

    chain: str
    seq: int
    reason: str


def canonical_form(chain: str, seq: int, record: AuditRecord, prev_hash: str) -> bytes:
    """The bytes an entry's hash is taken of: compact UTF-8 JSON with sorted keys, every field
    present (None as null), occurred_at as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC.

    The module docstring gives the format exactly. Nothing is validated here, so that any
    stored entry, however damaged, can be hashed and compared.
    """
    fields = _record_fields(record)
    fields.update(chain=chain, seq=seq, prev_hash=prev_hash)
    return _canonical_json(fields)


def entry_hash(chain: str, seq: int, record: AuditRecord, prev_hash: str) -> str:
    """Lowercase hex SHA-256 of the entry's canonical form."""
    return hashlib.sha256(canonical_form(chain, seq, record, prev_hash)).hexdigest()


def chain_entry(
    chain: str, previous: AuditEntry | ChainHead | None, record: AuditRecord
) -> AuditEntry:
    """The entry that appends ``record`` to ``chain``.

    ``previous`` is the chain's last entry, or its head ``(seq, entry_hash)`` (what an appender
    holds after locking the head row), or None for the first entry. A previous entry of
    another chain, or a malformed head, is a programming error: ValueError.
    """
    if not isinstance(chain, str) or not chain:
        raise ValueError("a chain needs a name, e.g. the gate id")
    if previous is None:
        last_seq, prev_hash = 0, GENESIS_HASH
    elif isinstance(previous, AuditEntry):
        if previous.chain != chain:
            raise ValueError(
                f"an entry of chain {previous.chain!r} cannot precede one of {chain!r}"
            )
        last_seq, prev_hash = previous.head
    else:
        last_seq, prev_hash = previous
    _check_head(last_seq, prev_hash)
    seq = last_seq + 1
    return AuditEntry(chain, seq, record, prev_hash, entry_hash(chain, seq, record, prev_hash))


def verify_chain(
    entries: Iterable[AuditEntry], head: ChainHead | None = None, *, chain: str | None = None
) -> ChainBreak | None:
    """The first break in one chain, or None when it holds.

    ``entries`` are the chain's entries in the order stored (by seq); they are read once, so a
    generator over a long chain is fine. With ``head`` (last seq, last entry_hash) the log must
    also end exactly there, which catches a truncated tail and a full re-forge. ``chain`` is
    the chain's name; by default the first entry's (which an edit could have changed), or ""
    for no entries at all.
    """
    remaining = iter(entries)
    first = next(remaining, None)
    if chain is None:
        chain = first.chain if first is not None else ""
    reached = _walk(chain, remaining if first is None else chained([first], remaining))
    if isinstance(reached, ChainBreak):
        return reached
    return None if head is None else _check_against_head(chain, reached, head)


def verify_chains(
    entries_by_chain: Mapping[str, Iterable[AuditEntry]], heads: Mapping[str, ChainHead]
) -> list[ChainBreak]:
    """The first break of every chain, ordered by chain; an empty list when all hold.

    ``heads`` is taken to hold every chain's head: a head without entries is a break (the log
    was emptied), and so are entries without a head (the head was removed, and with it the
    only check of the tail), reported at their last seq. Entries filed under a key must be of
    that chain.
    """
    breaks: list[ChainBreak] = []
    for chain in sorted(set(entries_by_chain) | set(heads)):
        reached = _walk(chain, entries_by_chain.get(chain, ()))
        head = heads.get(chain)
        if isinstance(reached, ChainBreak):
            breaks.append(reached)
        elif head is not None:
            broken = _check_against_head(chain, reached, head)
            if broken is not None:
                breaks.append(broken)
        elif reached[0] > 0:
            reason = "the chain has no head, so its tail cannot be checked"
            breaks.append(ChainBreak(chain, reached[0], reason))
    return breaks


def _walk(chain: str, entries: Iterable[AuditEntry]) -> ChainBreak | ChainHead:
    """The first break of the entries read in order, or the head they reach."""
    remaining = iter(entries)
    last_seq, last_hash = 0, GENESIS_HASH
    for entry in remaining:
        expected = last_seq + 1
        if _hash_of(entry) != entry.entry_hash:
            # Checked first: when the contents were changed, the stored seq and prev_hash
            # cannot be believed either, so the break is placed where the entry stands.
            return ChainBreak(chain, expected, "entry_hash does not match its contents")
        if entry.chain != chain:
            return ChainBreak(chain, expected, f"an entry of chain {entry.chain!r} stands here")
        if entry.seq != expected:
            return _misplaced(chain, expected, entry.seq, remaining)
        if entry.prev_hash != last_hash:
            if expected == 1:
                return ChainBreak(chain, 1, "prev_hash of the first entry is not the genesis hash")
            return ChainBreak(chain, expected, f"prev_hash does not match entry {last_seq}")
        last_seq, last_hash = entry.head
    return (last_seq, last_hash)


def _misplaced(
    chain: str, expected: int, found: int, remaining: Iterator[AuditEntry]
) -> ChainBreak:
    """The break where an intact entry of seq ``found`` stands where ``expected`` belongs."""
    if found < 1:
        return ChainBreak(chain, expected, f"seq {found} is not a seq (they start at 1)")
    if found < expected:
        # Every seq below ``expected`` was seen already: this one is a second entry claiming it.
        return ChainBreak(chain, found, f"seq {found} appears again after seq {expected - 1}")
    if any(entry.seq == expected for entry in remaining):
        reason = f"seq {found} stands where seq {expected} belongs: entries out of order"
        return ChainBreak(chain, expected, reason)
    missing = f"seq {expected}" if found == expected + 1 else f"seqs {expected} to {found - 1}"
    if expected == 1:
        return ChainBreak(chain, found, f"{missing} missing (the log starts at seq {found})")
    context = f"seq {expected - 1} is followed by seq {found}"
    return ChainBreak(chain, found, f"{missing} missing ({context})")


def _check_against_head(chain: str, reached: ChainHead, head: ChainHead) -> ChainBreak | None:
    """The break between where the log ends and where its head says it ends, if any."""
    last_seq, last_hash = reached
    head_seq, head_hash = head
    if last_seq < head_seq:
        where = "the log is empty" if last_seq == 0 else f"the log ends at {last_seq}"
        return ChainBreak(chain, last_seq + 1, f"head says seq {head_seq} but {where}")
    if last_seq > head_seq:
        reason = f"head says seq {head_seq} but the log goes on to {last_seq}"
        return ChainBreak(chain, head_seq + 1, reason)
    if last_hash != head_hash:
        if head_seq == 0:
            return ChainBreak(chain, 0, "head of the empty chain is not the genesis hash")
        return ChainBreak(chain, head_seq, f"entry_hash of seq {head_seq} does not match the head")
    return None


def _check_head(seq: int, digest: str) -> None:
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise ValueError(f"a chain head's seq is 0 or more, not {seq!r}")
    if not isinstance(digest, str) or not _HEX_DIGEST.fullmatch(digest):
        raise ValueError("a chain head's hash is 64 lowercase hex digits")
    # The genesis hash stands for "no entry yet", and for nothing else.
    if (seq == 0) != (digest == GENESIS_HASH):
        raise ValueError("only the head of an empty chain, seq 0, has the genesis hash")


def _hash_of(entry: AuditEntry) -> str | None:
    """The entry's recomputed hash, or None when a damaged entry cannot even be encoded."""
    try:
        return entry_hash(entry.chain, entry.seq, entry.record, entry.prev_hash)
    except (TypeError, ValueError, AttributeError):
        return None


def _checked_data(data: Mapping[str, Fact]) -> dict[str, Fact]:
    if not isinstance(data, Mapping):
        raise ValidationFailed("data must be a mapping of names to facts", field="data")
    checked: dict[str, Fact] = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise ValidationFailed(f"data names are text, not {key!r}", field="data")
        if isinstance(value, bool) or value is None or isinstance(value, str):
            pass
        elif isinstance(value, int):
            if abs(value) > MAX_SAFE_INTEGER:
                raise ValidationFailed(f"data[{key!r}] is beyond ±(2**53 − 1)", field="data")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ValidationFailed(f"data[{key!r}] must be a finite number", field="data")
        else:
            kind = type(value).__name__
            raise ValidationFailed(
                f"data[{key!r}] must be text, a number, a boolean or None, not {kind}",
                field="data",
            )
        checked[key] = value
    return checked


def _record_fields(record: AuditRecord) -> dict[str, object]:
    return {
        "occurred_at": _utc_text(record.occurred_at),
        "event": record.event,
        "subject_id": record.subject_id,
        "actor_kind": record.actor_kind,
        "actor_id": record.actor_id,
        "role": record.role,
        "from_status": record.from_status,
        "to_status": record.to_status,
        "reason": record.reason,
        "data": dict(record.data),
    }


def _utc_text(moment: datetime) -> str:
    # Spelled out rather than isoformat() or strftime(): isoformat() drops a zero microsecond
    # part and writes +00:00, and strftime's %Y does not pad years below 1000 on every libc.
    m = as_utc(moment)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
        f"T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"
    )


def _canonical_json(value: dict[str, object]) -> bytes:
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")
