"""Names of the live channels, and which of them live only while someone watches.

A gate's public board and officer board are always on: there are two per gate, a few dozen in
all, and the projector rebuilds them whether watched or not, so a process keeps them (state and
replay history) for its whole life. Every other channel is per entity (an enterprise's
vehicles today): their names grow with the platform's customers, so a process holds one only
while it has viewers there, and the projector rebuilds one only while some process says it is
watched. Keeping every channel ever opened would grow memory and rebuild work without bound."""

from __future__ import annotations

_GATE_KINDS = ("board:", "officer:")


def board_channel(gate_code: str) -> str:
    return f"board:{gate_code}"


def officer_channel(gate_code: str) -> str:
    return f"officer:{gate_code}"


def enterprise_channel(enterprise_id: str) -> str:
    return f"enterprise:{enterprise_id}"


def always_on(channel: str) -> bool:
    """True for a gate's channels, kept without viewers; False for per-entity channels, which
    are dropped when their last viewer leaves."""
    return channel.startswith(_GATE_KINDS)
