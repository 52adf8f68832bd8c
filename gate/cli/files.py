"""Files the ``gate`` command keeps secrets in: the data folder (0700) and owner-only (0600)
files, created with that mode from their first instant and replaced whole, never rewritten in
place (a process reading one meanwhile sees the old contents or the new, never half)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from gate.cli.database import sqlite_path
from gate.config import Settings

# The embedded default's administrator token, in the data folder (``gate serve`` makes it).
ADMIN_TOKEN_FILE = "admin-token"  # noqa: S105 (a file's name, not a secret)


def make_data_dir(settings: Settings) -> Path:
    """The data folder, created readable by its owner only (0700; parents as the umask says)."""
    path = Path(settings.data_dir)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode goes through the umask; 0700 only narrows it
    return path


def create_private(path: Path) -> bool:
    """Create ``path`` empty and owner-only (0600) from its first instant, never 0666 and
    chmod later; False when it already exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def write_private(path: Path, text: str, *, replace: bool) -> None:
    """Write ``text`` to ``path``, owner-only (0600). With ``replace``, an existing file is
    swapped for the new one in one rename (readers see the old or the new file whole, and a
    new inode, which is how the platform notices a rotated token); without, FileExistsError
    when ``path`` exists. OSError when the folder cannot be written."""
    if not replace:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
        return
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def kept_secret(settings: Settings, name: str) -> str:
    """A random secret made once and kept in the data folder (owner-readable only)."""
    path = make_data_dir(settings) / name
    if not path.exists():
        # Written whole under another name, then linked into place (link fails when the name
        # exists): processes started together on one shared folder (compose's replicas)
        # never read a half-written secret, and all of them keep the first one made.
        draft = path.with_name(f".{name}.{os.getpid()}.{secrets.token_hex(4)}")
        create_private(draft)
        try:
            draft.write_text(new_secret() + "\n")
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def new_secret() -> str:
    """A fresh random secret: 32 bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def prepare_data_dir(settings: Settings) -> None:
    """For the embedded default: the data folder (0700) and the SQLite file in it (0600)
    before SQLite opens it (it would create it 0644, and its journal and WAL files take the
    file's mode)."""
    if settings.is_sqlite:
        make_data_dir(settings)
        database = sqlite_path(settings.database_url)
        if database is not None:
            database.parent.mkdir(parents=True, exist_ok=True)
            create_private(database)
