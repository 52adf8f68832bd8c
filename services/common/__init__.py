"""What every part of the platform shares (API, check-in, realtime, boards, pages): problem
details, per-request dependencies, the request hook, input types, idempotent replay, health,
browser sessions. Nothing here imports a part, so a process started for one part (GATE_PARTS)
loads no other."""
