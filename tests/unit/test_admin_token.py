"""The administrator's token as a process knows it: fixed, or read from its file and read
again once the file is replaced (``gate admin rotate-token``), refused when the file is gone."""

from __future__ import annotations

from pathlib import Path

from gate.authentication.admin_token import AdminToken
from gate.cli.files import write_private


def test_a_fixed_token_is_the_token():
    assert AdminToken("fixed").current() == "fixed"
    assert AdminToken(None).current() is None


def test_a_token_file_is_read_again_once_replaced_and_refused_once_gone(tmp_path: Path):
    path = tmp_path / "admin-token"
    write_private(path, "first\n", replace=False)
    token = AdminToken(path=path)
    assert token.current() == "first"
    # Same length, written within the same clock tick: the new inode is what tells.
    write_private(path, "other\n", replace=True)
    assert token.current() == "other"
    path.unlink()
    assert token.current() is None
    path.write_text("\n")
    assert token.current() is None  # an empty file is no token
