"""Per-request dependencies: the unit of work (the request boundary commits) and the caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import SkipValidation

from gate.accounts.principal import Principal
from gate.authentication.service import authenticate
from gate.domain.errors import Unauthorised
from gate.store.unit_of_work import UnitOfWork
from services.platform import Platform


def provide_platform(state: State) -> Platform:
    platform: NamedDependency[Platform] = state.platform
    return platform


async def provide_uow(
    request: Request[Any, Any, Any], platform: NamedDependency[Platform]
) -> AsyncGenerator[UnitOfWork, None]:
    """Open a unit of work for the request and commit it once the handler has answered.

    Litestar throws the handler's exception into this generator, so an error rolls back;
    the commit happens before the response is sent, so nothing is acknowledged uncommitted,
    and a failed commit becomes an error answer.
    """
    # Reads take no write lock (on SQLite it would serialise them behind every writer).
    read_only = request.method in {"GET", "HEAD"}
    async with platform.unit_of_work(read_only=read_only) as uow:
        yield uow
        await uow.commit()


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorised("use 'Authorization: Bearer <token>'")
    return token.strip()


async def provide_principal(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    platform: NamedDependency[Platform],
) -> Principal:
    token = bearer_token(request)
    if token is None:
        raise Unauthorised("this needs 'Authorization: Bearer <token>'")
    return await authenticate(uow, token, platform.admin_token.current(), platform.api_keys)


# The caller as handlers receive it: a union of small types (gate/accounts/principal.py) that
# the signature model must not try to decode (msgspec decodes no union of several dataclasses);
# it is built by ``provide_principal``, never from input.
Caller: TypeAlias = NamedDependency[SkipValidation[Principal]]

DEPENDENCIES = {
    "platform": Provide(provide_platform, sync_to_thread=False),
    "uow": Provide(provide_uow),
    "principal": Provide(provide_principal),
}
