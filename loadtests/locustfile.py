"""The mix of a gate's day, for Locust: cameras and kiosks checking in (with retries and
duplicate reads), enterprises booking and rescheduling (with a rush at a slot's opening),
officers calling and clearing, public viewers on the boards.

    .venv/bin/locust -f loadtests/locustfile.py --host http://127.0.0.1:8000 --headless \\
        -u 60 -r 20 -t 60s --csv results/run --admin-token "$(cat .gate/admin-token)" \\
        --database-url sqlite+aiosqlite:///.gate/gate.db

The data comes from the platform's own API (loadtests/prepare.py). After the run the
invariants are checked (loadtests/invariants.py); the run exits non-zero when the failure
ratio is above --max-failure-ratio or an invariant broke.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import gevent
from locust import events

from loadtests.flows.bookings import Enterprise, Rush
from loadtests.flows.checkins import Camera, Kiosk
from loadtests.flows.officers import Officers
from loadtests.flows.shared import SHARED
from loadtests.flows.viewers import BoardViewer
from loadtests.invariants import check_all
from loadtests.prepare import prepare

__all__ = ["BoardViewer", "Camera", "Enterprise", "Kiosk", "Officers", "Rush"]
log = logging.getLogger("loadtests")


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--admin-token", default=os.environ.get("GATE_ADMIN_TOKEN", ""))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("GATE_DATABASE_URL", ""),
        help="for the invariants checked after the run",
    )
    parser.add_argument("--gate-code", default="tan-thanh")
    parser.add_argument(
        "--boards-url",
        default=os.environ.get("GATE_BOARDS_URL", ""),
        help="the boards' broadcast server (ws://host:port); default: the host's endpoint",
    )
    parser.add_argument("--enterprises", type=int, default=4)
    parser.add_argument("--vehicles-each", type=int, default=25)
    parser.add_argument("--max-failure-ratio", type=float, default=0.01)


@events.init.add_listener
def _prepare(environment: Any, **_: Any) -> None:
    """Make the run's data before --run-time's timer is armed (Locust arms it right after the
    init event), so that a slow preparation on a busy machine does not eat the run."""
    options = environment.parsed_options
    SHARED.boards_url = options.boards_url or None
    try:
        SHARED.run = prepare(
            environment.host,
            options.admin_token,
            options.gate_code,
            enterprises=options.enterprises,
            vehicles_each=options.vehicles_each,
        )
    except Exception as error:
        # Without its data the run means nothing: stop at once (Locust exits 1 on an init
        # listener's exception), and say why.
        print(f"INVARIANT BROKEN: could not prepare the run: {error}")
        raise
    log.info("prepared %d bookings", len(SHARED.run.bookings))
    # gevent's loop reads the clock only when it turns, and it has not turned while Locust
    # imported and the data was prepared: the timer would count from that stale time and end
    # the run before any user started.
    gevent.get_hub().loop.update_now()


@events.quitting.add_listener
def _check(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    ratio = environment.stats.total.fail_ratio
    problems = []
    if SHARED.run is None:
        problems.append("the run ended before its data was prepared: nothing was tested")
    if ratio > options.max_failure_ratio:
        problems.append(f"failure ratio {ratio:.2%} above {options.max_failure_ratio:.2%}")
    if SHARED.run is not None and options.database_url:
        problems += check_all(
            environment.host,
            SHARED.run.gate,
            options.database_url,
            SHARED.acknowledged,
            SHARED.board_states,
        )
    if problems:
        for problem in problems:
            print(f"INVARIANT BROKEN: {problem}")
        environment.process_exit_code = 1
    else:
        print(
            f"invariants: ok ({len(SHARED.acknowledged)} acknowledged check-ins, "
            f"{len(SHARED.board_states)} viewers' final boards, failure ratio {ratio:.2%})"
        )
