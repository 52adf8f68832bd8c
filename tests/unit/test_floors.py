"""The floors of the code (pyproject.toml, [tool.importlinter]) hold on the real tree and
catch a wrong import: each case copies gate/ and services/ with the project's contracts into
a temporary folder, adds one module that breaks a rule, and runs `lint-imports` there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = {
    "floors": "Floors of the core",
    "web-on-top": "The core imports no web",
    "cli-on-top": "Nothing imports the command line",
    "pure-domain": "The domain is pure",
    "no-cycles": "No cycles between the packages",
}


def lint_imports(tree: Path) -> tuple[int, set[str], str]:
    """Run the project's contracts on ``tree``: exit status, the ids of the broken contracts,
    and the report."""
    # The copy comes first on the path, before the editable install of the real tree.
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = re.sub(r"\s+", " ", done.stdout)
    # Each contract's line (wrapped at 80 columns) ends in KEPT or BROKEN.
    broken = {
        key for key, name in CONTRACTS.items() if re.search(f"{name}((?! KEPT).)*? BROKEN", report)
    }
    return done.returncode, broken, done.stdout + done.stderr


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the packages and the contracts, made once for the module."""
    tree = tmp_path_factory.mktemp("floors")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("gate", "services"):
        shutil.copytree(ROOT / package, tree / package, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


@pytest.fixture
def tree(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(pristine, copy)
    return copy


def test_the_real_tree_keeps_every_contract():
    status, broken, report = lint_imports(ROOT)
    assert (status, broken) == (0, set()), report
    assert report.count(" KEPT") == len(CONTRACTS), report


def test_the_copy_keeps_every_contract_before_a_wrong_import_is_added(tree: Path):
    """So that each case below fails for its own import only."""
    status, broken, report = lint_imports(tree)
    assert (status, broken) == (0, set()), report


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        # The domain reaching up into the store: up a floor, no longer pure, and a cycle
        # (the store imports the domain).
        (
            "gate/domain/upward.py",
            "import gate.store.database\n",
            {"floors", "pure-domain", "no-cycles"},
        ),
        # A use case reaching an area above it, which imports it (bookings sit above fleet).
        ("gate/fleet/upward.py", "import gate.bookings.service\n", {"floors", "no-cycles"}),
        # Two areas of one floor importing each other.
        ("gate/gates/sideways.py", "import gate.accounts.service\n", {"floors"}),
        # A package placed on no floor.
        ("gate/newarea/__init__.py", "", {"floors"}),
        # The core importing the web, or a web framework.
        ("gate/bookings/web.py", "import services.common.schemas\n", {"web-on-top"}),
        ("gate/live/framework.py", "import litestar\n", {"web-on-top"}),
        # The web importing the command line.
        ("services/api/cli.py", "import gate.cli\n", {"cli-on-top"}),
        # A cycle between two parts of the web (the yard's endpoints import the gates').
        ("services/api/gates/back.py", "import services.api.yard.endpoints\n", {"no-cycles"}),
    ],
)
def test_a_wrong_import_breaks_its_contract(
    tree: Path, module: str, source: str, expected: set[str]
):
    path = tree / module
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    status, broken, report = lint_imports(tree)
    assert status != 0, report
    assert broken == expected, report
