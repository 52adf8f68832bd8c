"""docs/operations.md stays true to the code it describes: every ``GATE_`` variable it names is a
setting (gate/config.py's VARIABLES) or a variable compose.yaml passes, every ``gate ...``
command it names parses (``gate <command> --help`` exits 0), every file of the repository it
names exists, and the README links it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gate.cli import main
from gate.config import VARIABLES

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "operations.md").read_text()
# What the guide tells the operator to create, not a file of the repository.
MADE_BY_THE_OPERATOR = {"deploy/nginx/templates/tls.conf.template"}


# `gate` where a command starts: a line's start, after `&&`, `;`, `|`, `$(`, a variable set
# for it (`GATE_DATA_DIR=... gate`) or `docker compose exec [-T] <service>`; not an argument
# (`pg_dump -U gate`, the role).
COMMAND = re.compile(
    r"(?:^\s*|&&\s*|;\s*|\|\s*|\$\(|\b[A-Z_]+=\S+\s+|exec\s+(?:-\w+\s+)*[\w-]+\s+)"
    r"gate((?: [a-z-][a-z-]*)+)"
)


def _code() -> list[str]:
    """The guide's code: fenced blocks (without their comments) and inline spans."""
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", GUIDE, re.S | re.M)
    lines = [line.split(" #", 1)[0] for block in blocks for line in block.splitlines()]
    prose = re.sub(r"^```[a-z]*\n.*?^```", "", GUIDE, flags=re.S | re.M)
    return lines + re.findall(r"`([^`\n]+)`", prose)


def _commands() -> set[tuple[str, ...]]:
    """Each ``gate`` command named: its words up to the first option or value."""
    found: set[tuple[str, ...]] = set()
    for code in _code():
        for match in COMMAND.finditer(code):
            words: list[str] = []
            for word in match.group(1).split():
                if word.startswith("-"):
                    # An option ends the command's words, but for one that is the command.
                    words += [] if words else [word]
                    break
                words.append(word)
            found.add(tuple(words))
    return found


def test_the_guide_names_the_operator_commands():
    commands = _commands()
    assert ("audit", "verify") in commands
    assert ("db", "upgrade") in commands
    assert ("--version",) in commands


@pytest.mark.parametrize("words", sorted(_commands()), ids=" ".join)
def test_every_gate_command_the_guide_names_parses(
    words: tuple[str, ...], capsys: pytest.CaptureFixture[str]
):
    argv = list(words) if words[-1].startswith("-") else [*words, "--help"]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0, f"gate {' '.join(argv)}: {capsys.readouterr().err}"


def test_every_gate_variable_the_guide_names_exists():
    settings = {name for name, _, _ in VARIABLES}
    compose = set(re.findall(r"\bGATE_[A-Z0-9_]*[A-Z0-9]\b", (ROOT / "compose.yaml").read_text()))
    named = set(re.findall(r"\bGATE_[A-Z0-9_]+", GUIDE))
    unknown = {
        name
        for name in named
        if not (
            name in settings
            or name in compose
            # A family (GATE_PROXY_*): some variable of it exists.
            or (name.endswith("_") and any(v.startswith(name) for v in settings | compose))
        )
    }
    assert not unknown, f"docs/operations.md names variables nothing reads: {sorted(unknown)}"


def test_every_repository_file_the_guide_names_exists():
    # A repository path, not the tail of another (/var/lib/gate/...).
    repository_path = r"(?<![\w/.$-])((?:tests|gate|services|docs|deploy)/[\w./-]*[\w/])"
    paths = set(re.findall(repository_path, GUIDE))
    missing = {p for p in paths - MADE_BY_THE_OPERATOR if not (ROOT / p).exists()}
    assert not missing, f"docs/operations.md names files that are not there: {sorted(missing)}"


def test_the_readme_links_the_guide():
    assert "(docs/operations.md)" in (ROOT / "README.md").read_text()
