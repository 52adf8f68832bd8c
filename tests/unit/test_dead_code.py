"""Dead code stays out: vulture, configured in pyproject.toml ([tool.vulture]) with the
framework's entry points in vulture_whitelist.py, finds nothing in the project, and the
whitelist does not hide a function nobody calls."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _vulture(*paths: str) -> subprocess.CompletedProcess[str]:
    # From the project's folder, so that vulture reads its [tool.vulture] settings.
    return subprocess.run(
        [sys.executable, "-m", "vulture", *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_vulture_finds_no_dead_code_in_the_project() -> None:
    found = _vulture()
    assert found.returncode == 0, found.stdout + found.stderr


def test_a_function_nobody_calls_is_found_beside_the_whitelist_and_a_handler(
    tmp_path: Path,
) -> None:
    module = tmp_path / "module.py"
    module.write_text(
        "from litestar import get\n\n\n"
        "@get('/answer')\n"
        "async def answer() -> int:\n"
        "    return 42\n\n\n"
        "def nobody_calls_this() -> int:\n"
        "    return 41\n"
    )
    found = _vulture(str(module), "vulture_whitelist.py")
    assert found.returncode == 3, found.stdout + found.stderr  # 3: dead code found
    assert "unused function 'nobody_calls_this'" in found.stdout
    assert "answer" not in found.stdout  # a handler is registered by its decorator
