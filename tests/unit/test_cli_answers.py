"""The ``gate`` command answers a wrong setup in one line that says what to do, never with a
traceback, and creates nothing on the way: a folder with no database, a bad setting, a
platform that does not answer ``gate watch``."""

from __future__ import annotations

import asyncio
import io
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from gate.cli import main
from gate.live.terminal import watch


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No GATE_ setting from the machine running the tests (the tests' own are kept)."""
    for name in list(os.environ):
        if name.startswith("GATE_") and not name.startswith("GATE_TEST_"):
            monkeypatch.delenv(name)
    yield monkeypatch


def _one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.mark.parametrize("command", [["audit", "verify"], ["sweep"], ["db", "seed"]])
def test_a_command_pointed_at_a_folder_without_a_database_says_so_and_creates_nothing(
    command: list[str],
    environment: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    folder = tmp_path / "not-the-platforms-folder"
    environment.setenv("GATE_DATA_DIR", str(folder))
    assert main(command) == 1
    line = _one_line(capsys.readouterr().err)
    assert f"no database at {folder / 'gate.db'}" in line
    assert "GATE_DATA_DIR" in line
    assert not folder.exists()


def test_a_database_file_without_the_platforms_tables_is_one_line_naming_the_fix(
    environment: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "gate.db").touch()
    environment.setenv("GATE_DATA_DIR", str(tmp_path))
    assert main(["audit", "verify"]) == 1
    line = _one_line(capsys.readouterr().err)
    assert "no such table" in line and "gate db upgrade" in line


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("GATE_PORT", "abc", "a port number"),
        ("GATE_PORT", "70000", "a port number"),
        ("GATE_DB_POOL_SIZE", "ten", "a whole number"),
        ("GATE_DATABASE_URL", "mysql://gate:s3cret@db/gate", "postgresql://"),
    ],
)
def test_a_setting_that_cannot_be_used_is_one_line_naming_the_variable(
    variable: str,
    value: str,
    expected: str,
    environment: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    environment.setenv("GATE_DATA_DIR", str(tmp_path / "data"))
    environment.setenv(variable, value)
    assert main(["audit", "verify"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith(f"gate: {variable}=") and expected in line
    assert "s3cret" not in line  # a database URL's password is never repeated
    assert not (tmp_path / "data").exists()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port held by a socket that listens to nobody: connecting is refused, and no other
    process can take the port while the test runs."""
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    try:
        yield held.getsockname()[1]
    finally:
        held.close()


async def test_watch_once_says_it_cannot_connect_and_fails(silent_port: int):
    out = io.StringIO()
    watching = watch(f"http://127.0.0.1:{silent_port}", "tan-thanh", once=True, out=out)
    assert await asyncio.wait_for(watching, timeout=10) == 1
    line = _one_line(out.getvalue())
    assert line.startswith(f"cannot connect to ws://127.0.0.1:{silent_port}/ws/v1/gates/")


class _Written(io.StringIO):
    """Output that tells a waiting test when something was written."""

    def __init__(self) -> None:
        super().__init__()
        self.event = asyncio.Event()

    def write(self, text: str) -> int:
        self.event.set()
        return super().write(text)


async def test_watch_says_it_cannot_connect_and_keeps_trying(silent_port: int):
    out = _Written()
    watching = asyncio.create_task(watch(f"http://127.0.0.1:{silent_port}", "tan-thanh", out=out))
    try:
        await asyncio.wait_for(out.event.wait(), timeout=10)
        line = _one_line(out.getvalue())
        assert "cannot connect" in line and "trying again" in line
        assert not watching.done()
    finally:
        watching.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watching


@pytest.mark.parametrize(
    ("command", "status", "expected"),
    [
        (["db", "current"], 1, "no database at"),
        (["db", "history"], 1, "no database at"),
        (
            [
                "officers",
                "create",
                "--agency",
                "customs",
                "--name",
                "A",
                "--email",
                "a@b.vn",
                "--gate",
                "tan-thanh",
            ],
            1,
            "no database at",
        ),
        (["openapi", "--parts", "api,nowhere"], 2, "--parts: parts are some of"),
        (["admin", "rotate-token"], 2, "no administrator token at"),
    ],
)
def test_the_operators_commands_answer_a_wrong_setup_in_one_line_creating_nothing(
    command: list[str],
    status: int,
    expected: str,
    environment: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
):
    folder = tmp_path / "not-the-platforms-folder"
    environment.setenv("GATE_DATA_DIR", str(folder))
    assert main(command) == status
    assert expected in _one_line(capsys.readouterr().err)
    assert not folder.exists()


def test_a_mistaken_command_is_one_line_and_status_2(
    environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    with pytest.raises(SystemExit) as exited:
        main(["officers", "create", "--agency", "nobody"])
    assert exited.value.code == 2
    line = _one_line(capsys.readouterr().err)
    assert line.startswith("gate officers create: argument --agency: invalid choice")
    assert line.endswith("(see `gate officers create --help`)")


def test_an_admin_token_given_twice_is_one_line_naming_both_variables(
    environment: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    environment.setenv("GATE_ADMIN_TOKEN", "s3cret-token")
    environment.setenv("GATE_ADMIN_TOKEN_FILE", str(tmp_path / "admin-token"))
    assert main(["db", "current"]) == 2
    line = _one_line(capsys.readouterr().err)
    assert "GATE_ADMIN_TOKEN or GATE_ADMIN_TOKEN_FILE, not both" in line
    assert "s3cret-token" not in line
