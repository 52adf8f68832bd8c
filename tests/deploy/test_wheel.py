"""The image installs the project's wheel, not the source tree (Dockerfile): the wheel must
carry what the platform reads from beside its code, the pages (frontend/: templates, static
files, words) and the migrations, so that an installed platform serves its pages and migrates.
And the image's build never sees the data folder, the virtual environment or the history
(.dockerignore)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built as the Dockerfile builds it (from a copy of what it copies, so that
    the build's own folders stay out of the checkout), unpacked as pip installs a pure wheel."""
    folder = tmp_path_factory.mktemp("wheel")
    source = folder / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("gate", "services", "frontend"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(folder), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=folder,
    )
    (wheel,) = folder.glob("gate_platform-*.whl")
    target = folder / "site-packages"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def _run(installed: Path, code: str, cwd: Path) -> str:
    """``code`` run with the unpacked wheel first on the path (before the checkout's editable
    install), from a folder that is not the checkout."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_installed_wheel_serves_its_pages_and_its_api_docs_viewer(installed: Path):
    out = _run(
        installed,
        "import services.web as w, services.web.i18n, services.docs;"
        "print(w.FRONTEND);"
        "print((w.FRONTEND / 'templates').is_dir(), (w.FRONTEND / 'i18n' / 'vi.json').is_file(),"
        " (w.FRONTEND / 'static' / 'vendor' / 'swagger-ui' / 'swagger-ui-bundle.js').is_file())",
        installed.parent,
    )
    where, found = out.splitlines()
    assert Path(where).is_relative_to(installed), "the pages are read from the installed wheel"
    assert found == "True True True"


def test_the_installed_wheel_migrates_a_database(installed: Path, tmp_path: Path):
    database = tmp_path / "gate.db"
    out = _run(
        installed,
        "import gate.store.migrate as m; print(m.MIGRATIONS);"
        f"m.upgrade('sqlite+aiosqlite:///{database}')",
        tmp_path,
    )
    assert Path(out.splitlines()[0]).is_relative_to(installed)
    assert database.stat().st_size > 0


def test_the_image_build_sees_no_data_folder_secret_environment_or_history():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    # An allow-list: everything is left out but what the Dockerfile copies.
    assert ignored[ignored.index("*") + 1 :][:5] == [
        "!pyproject.toml",
        "!README.md",
        "!gate/",
        "!services/",
        "!frontend/",
    ]
    assert {"**/.gate", "**/*.pem"} <= set(ignored)
    copied = [
        line.split()[1]
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ")
    ]
    assert copied == ["pyproject.toml", "gate", "services", "frontend"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -e" not in dockerfile and "\nUSER gate\n" in dockerfile
    assert "HEALTHCHECK" in dockerfile
