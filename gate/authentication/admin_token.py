"""The administrator's token as a running process knows it: fixed (GATE_ADMIN_TOKEN), or read
from a file (GATE_ADMIN_TOKEN_FILE; the embedded default's ``admin-token`` in the data folder)
and read again whenever the file is replaced, so ``gate admin rotate-token`` takes effect in
every running process at its next request, without a restart."""

from __future__ import annotations

import os
from pathlib import Path


class AdminToken:
    """``current()``: the token now, None when there is none (every administrator request is
    then refused). A file is looked at (one ``stat``, about a microsecond) at each call and
    read only when it changed: another inode (a rename put a new file in its place, as the
    rotation does), another modification time or size. A file that is missing or unreadable
    gives None: refusing is safer than remembering a token the operator took away."""

    def __init__(self, fixed: str | None = None, path: Path | None = None) -> None:
        self._fixed = fixed
        self._path = path
        self._seen: tuple[int, int, int] | None = None
        self._token: str | None = None

    def current(self) -> str | None:
        """The token to compare a bearer token with, or None."""
        if self._path is None:
            return self._fixed
        try:
            status = os.stat(self._path)
        except OSError:
            self._seen = None
            return None
        seen = (status.st_ino, status.st_mtime_ns, status.st_size)
        if seen != self._seen:
            try:
                token = self._path.read_text().strip()
            except OSError:
                return None
            self._token, self._seen = token or None, seen
        return self._token
