"""Officers' check-ins by hand (the API's checkInByHand and the console's form) through the
gate's check-in pipeline: decided in the gate's loop by the process that holds its lease, in
a transaction of their own between two batches, never beside one (gate/checkins/batcher.py).

Both sides are here: ``decide_by_hand`` runs in the holder's transaction (the Idempotency-Key
claimed and its answer stored there, as ``answer_idempotently`` does in a request's own
transaction); ``check_in_by_hand_here`` is the requester's side, which answers as the route
answered when it decided in its own transaction: the same status, body, replay header and
problem."""

from __future__ import annotations

from datetime import timedelta

from gate.checkins.manual import ByHand, ByHandReply, check_in_by_hand
from gate.domain.errors import DomainError
from gate.store.tables import Gate
from gate.store.unit_of_work import UnitOfWork
from services.common.idempotency import REPLAY_HEADER, answer_idempotently
from services.platform import Platform


async def decide_by_hand(
    uow: UnitOfWork, gate: Gate, job: ByHand, *, retention: timedelta
) -> ByHandReply:
    """Check the truck in within ``uow`` (the holder commits it): the answer, stored under
    the job's Idempotency-Key when it has one (a refusal too: a retry gets it again);
    without a key, a refusal comes back to be raised at the requester, with nothing written.
    ``retention``: how long keys are remembered (GATE_IDEMPOTENCY_KEY_RETENTION_HOURS)."""

    async def produce() -> tuple[int, object]:
        return 200, await check_in_by_hand(uow, gate, job.wanted, job.actor, job.now)

    try:
        async with uow.savepoint():
            response = await answer_idempotently(
                uow, job.owner or "", job.key, job.fingerprint, produce, retention=retention
            )
    except DomainError as error:
        return ByHandReply.refusal(error)
    body, status = response.content, response.status_code
    assert isinstance(body, bytes) and status is not None
    return ByHandReply(status, body, REPLAY_HEADER in response.headers)


async def check_in_by_hand_here(
    platform: Platform, uow: UnitOfWork, gate_id: str, job: ByHand
) -> ByHandReply:
    """Have the pipeline of gate ``gate_id`` decide ``job``; the request's ``uow`` is
    committed first, so that it holds no lock (on SQLite, the one writer's) while the
    pipeline's transaction decides. Raises the job's refusal as the DomainError it was;
    PipelineStopped and the database's errors as a device's check-in raises them (503)."""
    assert platform.checkins is not None
    await uow.commit()
    reply = await platform.checkins.submit_by_hand(gate_id, job)
    error = reply.error()
    if error is not None:
        raise error
    return reply
