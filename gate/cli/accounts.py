"""``gate officers create`` and ``gate enterprises create``: the first accounts without curl.

Each goes through what the administrator's API does: the values checked by the API's own
input types (``createOfficer``'s, ``createEnterprise``'s and ``registerUser``'s), the same use
cases (gate/officers/service.py, gate/accounts/service.py) in one unit of work that publishes
on the platform's bus after the commit. The new account's password is made here, shown once
(standard output, or a new owner-only file with ``--output``) and kept nowhere but as its
hash; the log line each command writes (standard error, JSON, like the API's request lines)
holds ids only.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from gate.accounts.principal import EnterpriseKind
from gate.cli.database import database_trouble, missing_database
from gate.config import Settings
from gate.domain.clearance import Agency
from gate.domain.errors import DomainError
from gate.store.unit_of_work import UnitOfWork

log = logging.getLogger("gate.cli.accounts")
Struct = TypeVar("Struct")

# Exit statuses: 2 a mistake in what was asked (a value, a taken e-mail, an unknown gate, an
# output file that exists), 1 the database could not be used.
MISTAKE, TROUBLE = 2, 1


class Refused(Exception):
    """A mistake in what the operator asked: one line, exit status 2."""


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    """The ``officers`` and ``enterprises`` command groups."""
    officers = commands.add_parser("officers", help="officers' accounts")
    officer = officers.add_subparsers(dest="officers_command", required=True).add_parser(
        "create",
        help="create an officer's account; prints its password once",
        description="Create an officer's account, as the administrator's createOfficer does, "
        "with a new random password printed once (or written to a new 0600 file).",
    )
    officer.add_argument("--agency", required=True, choices=[a.value for a in Agency])
    officer.add_argument("--name", required=True, help="the officer's full name")
    officer.add_argument("--email", required=True, help="what the officer signs in with")
    officer.add_argument(
        "--gate", dest="gates", action="append", required=True, help="a gate's code (repeat)"
    )
    _output_option(officer)

    enterprises = commands.add_parser("enterprises", help="enterprises' accounts")
    enterprise = enterprises.add_subparsers(dest="enterprises_command", required=True).add_parser(
        "create",
        help="register an enterprise and its first manager; prints the password once",
        description="Register an enterprise, as the administrator's createEnterprise does, "
        "and its first manager (registerUser, role manager) with a new random password "
        "printed once (or written to a new 0600 file). The manager then issues the "
        "enterprise's API keys and registers its other users.",
    )
    enterprise.add_argument("--name", required=True, help="the enterprise's name")
    enterprise.add_argument("--tax-code", required=True, help="mã số thuế: 10 or 13 digits")
    enterprise.add_argument(
        "--kind", default=EnterpriseKind.CARRIER.value, choices=[k.value for k in EnterpriseKind]
    )
    enterprise.add_argument("--aeo", action="store_true", help="an authorised economic operator")
    enterprise.add_argument("--contact-email", default=None)
    enterprise.add_argument("--manager-email", required=True, help="the manager signs in with it")
    enterprise.add_argument("--manager-name", required=True, help="the manager's full name")
    _output_option(enterprise)


def _output_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        type=Path,
        help="write the credentials (JSON) to this new file, readable by you only (0600), "
        "instead of printing them; an existing file is not overwritten",
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Create the account; 0, 2 (a mistake, one line) or 1 (the database, one line)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        create = _officer(args) if args.command == "officers" else _enterprise(args)
        missing = missing_database(settings)
        if missing is not None:
            print(f"gate: {missing}", file=sys.stderr)
            return TROUBLE
        output = _claim(args.output) if args.output is not None else None
        try:
            account = asyncio.run(_in_unit_of_work(settings, create))
        except BaseException:
            if output is not None:
                output.unlink(missing_ok=True)
            raise
    except Refused as error:
        print(f"gate: {error}", file=sys.stderr)
        return MISTAKE
    except (SQLAlchemyError, OSError) as error:
        print(f"gate: {database_trouble(settings, error)}", file=sys.stderr)
        return TROUBLE
    _hand_over(account, output)
    return 0


def _officer(args: argparse.Namespace) -> Callable[[UnitOfWork], Awaitable[dict[str, Any]]]:
    from gate.officers import service
    from services.api.officers.endpoints import OfficerCreate

    password = _new_password()
    data = _checked(
        OfficerCreate,
        {
            "email": args.email,
            "full_name": args.name,
            "agency": args.agency,
            "password": password,
            "gates": args.gates,
        },
    )

    async def create(uow: UnitOfWork) -> dict[str, Any]:
        new = service.NewOfficer(
            data.email, data.full_name, data.agency, data.password, tuple(data.gates)
        )
        officer, gates = await service.create_officer(uow, new)
        log.info(
            "cli.officer.created",
            extra={"officer_id": officer.id, "agency": officer.agency, "gates": gates, **_by()},
        )
        return {
            "account": "officer",
            "id": officer.id,
            "name": officer.full_name,
            "agency": officer.agency,
            "gates": gates,
            "email": officer.email,
            "password": password,
        }

    return create


def _enterprise(args: argparse.Namespace) -> Callable[[UnitOfWork], Awaitable[dict[str, Any]]]:
    from gate.accounts import service
    from gate.accounts.principal import EnterpriseRole
    from services.api.accounts.schemas import EnterpriseCreate, UserCreate

    password = _new_password()
    data = _checked(
        EnterpriseCreate,
        {
            "name": args.name,
            "tax_code": args.tax_code,
            "is_aeo": args.aeo,
            "contact_email": args.contact_email,
            "kind": args.kind,
        },
    )
    manager = _checked(
        UserCreate,
        {
            "email": args.manager_email,
            "full_name": args.manager_name,
            "password": password,
            "role": EnterpriseRole.MANAGER.value,
        },
        prefix="manager_",
    )

    async def create(uow: UnitOfWork) -> dict[str, Any]:
        new = service.NewEnterprise(
            data.name, data.tax_code, data.is_aeo, data.contact_email, data.kind
        )
        enterprise = await service.create_enterprise(uow, new)
        user = await service.register_user(
            uow,
            enterprise.id,
            service.NewUser(manager.email, manager.full_name, manager.password, manager.role),
        )
        if user not in uow.session:
            # registerUser answers a manager as if it took (an e-mail held elsewhere is not
            # told to them); the administrator may know, and nothing is created.
            raise Refused(
                f"--manager-email: {manager.email} is held by another account (an officer's "
                "or another enterprise's user): nothing was created"
            )
        log.info(
            "cli.enterprise.created",
            extra={"enterprise_id": enterprise.id, "manager_id": user.id, **_by()},
        )
        return {
            "account": "enterprise manager",
            "enterprise_id": enterprise.id,
            "enterprise": enterprise.name,
            "tax_code": enterprise.tax_code,
            "kind": enterprise.kind,
            "id": user.id,
            "name": user.full_name,
            "email": user.email,
            "password": password,
        }

    return create


def _checked(kind: type[Struct], values: dict[str, Any], prefix: str = "") -> Struct:
    """``values`` as the API's input type ``kind`` decodes them: the same rules, the same
    words; Refused naming the option (``--tax-code``) of the first value it refuses."""
    import msgspec

    try:
        return msgspec.convert(values, kind)
    except msgspec.ValidationError as error:
        # msgspec says "Expected ... - at `$.tax_code`": name the option instead.
        message, _, where = str(error).rpartition(" - at `$.")
        field = where.rstrip("`").split("[", 1)[0].split(".", 1)[0]
        if not message:
            message, field = str(error), ""
        raise Refused(f"{_option(prefix + field)}: {message}") from error
    except DomainError as error:  # the text rules (gate/domain/text.py), in __post_init__
        field = str(error.extensions.get("field", ""))
        raise Refused(f"{_option(prefix + field)}: {error.detail}") from error


def _option(field: str) -> str:
    named = {"full_name": "name", "manager_full_name": "manager-name", "is_aeo": "aeo"}
    return "--" + named.get(field, field).replace("_", "-") if field else "the values"


async def _in_unit_of_work(
    settings: Settings, create: Callable[[UnitOfWork], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """``create`` in one transaction on the platform's database, committed and then
    published on its bus (as the API's request boundary does); Refused for what the use case
    refuses (a taken e-mail or tax code, an unknown gate)."""
    from gate.bus.events import create_event_bus
    from gate.logs import configure_logging
    from gate.store.database import create_engine, create_session_factory

    # Warnings of every logger, and this module's line: the use case's own notes (an e-mail
    # held elsewhere) are said in the one line of the refusal instead.
    configure_logging("WARNING")
    log.setLevel(logging.INFO)
    engine = create_engine(settings)
    bus = create_event_bus(
        settings.redis_url, settings.redis_namespace, settings.bus_publish_timeout_s
    )
    try:
        async with UnitOfWork(create_session_factory(engine), bus) as uow:
            try:
                account = await create(uow)
            except DomainError as error:
                raise Refused(error.detail or type(error).__name__) from error
            await uow.commit()
        return account
    finally:
        await bus.close()
        await engine.dispose()


def _claim(path: Path) -> Path:
    """``path`` created empty and owner-only before anything is created, so an account is
    never made whose credentials could not be written; Refused when it exists or cannot be
    made."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError as error:
        raise Refused(f"--output {path} exists: not overwritten, nothing was created") from error
    except OSError as error:
        raise Refused(f"--output {path}: {error.strerror or error}") from error
    return path


def _hand_over(account: dict[str, Any], output: Path | None) -> None:
    """The credentials, once: into the claimed file, or on standard output."""
    if output is not None:
        output.write_text(json.dumps(account, ensure_ascii=False, indent=2) + "\n")
        print(
            f"{account['account']} created: {account['id']} ({account['email']}); "
            f"credentials written to {output} (readable by you only)"
        )
        return
    print(f"{account['account']} created: {account['id']}")
    for key, value in account.items():
        if key not in ("account", "id", "password"):
            print(f"  {key + ':':15} {', '.join(value) if isinstance(value, list) else value}")
    print(f"  {'password:':15} {account['password']}")
    print("The password is shown this once and kept nowhere: hand it to its holder.")


def _new_password() -> str:
    """A first password: 20 URL-safe characters (120 random bits); the API takes 10 to 200."""
    return secrets.token_urlsafe(15)


def _by() -> dict[str, str]:
    """Who ran the command, for the log line (the API's says the client's address)."""
    try:
        return {"by": getpass.getuser()}
    except (KeyError, OSError):  # no user name for this uid (a container's)
        return {"by": f"uid {os.getuid()}"}
