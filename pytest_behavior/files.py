"""Writing the plugin's files: whole or not at all, with the permissions a user expects.

Every file the plugin writes (golden files, the verdict and HTML reports, the full diff files) goes through
`write_text_atomic`: the text goes to a temporary file in the same folder, is flushed to disk, and replaces
the target with one rename. A full disk, a killed process or a crashed machine leaves the previous file (or
none), never a truncated or empty one, and a failed write removes its temporary file.

The new file's mode is the replaced file's mode, or, for a new file, what ``open()`` would give it (0o666
minus the umask, applied by the kernel itself, so default ACLs apply too) - not the 0o600 of `mkstemp`.
Files that others own and the plugin only appends to (the GitHub job summary) are not written here.
"""

from __future__ import annotations

import errno
import glob
import hashlib
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

#: The longest file name (in bytes) most file systems accept.
NAME_MAX = 255
_TEMP_SUFFIX = re.compile(r"\.[^.]+\.tmp")  # ``.<random>.tmp``: not another file's, whose name goes on after a dot
_TEMP_NAME_BYTES = 200


def write_text_atomic(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Replace ``path`` by a file holding ``text``, atomically; on any failure ``path`` is untouched (the
    previous file, or no file) and no temporary file is left behind."""
    data = text.encode(encoding)
    mode = _existing_mode(path)
    fd, tmp = _create_temp(path)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)  # a crash of the machine, not only of the process, must not leave it empty
        finally:
            os.close(fd)
        if mode is not None:
            os.chmod(tmp, mode)  # replacing a file keeps its mode (a shared 0o664 file stays 0o664)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def stale_temp_files(path: Path) -> Iterator[Path]:
    """Temporary files of ``path`` left by a writer that was killed before its rename."""
    prefix = _temp_prefix(path)
    for candidate in path.parent.glob(f"{glob.escape(prefix)}.*.tmp"):
        if _TEMP_SUFFIX.fullmatch(candidate.name[len(prefix) :]):
            yield candidate


def remove_stale_temp_files(path: Path) -> None:
    """Remove `stale_temp_files` of ``path``; only for a file that one process at a time writes."""
    for stale in stale_temp_files(path):
        stale.unlink(missing_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view[: 1 << 20])
        view = view[written:]


def _existing_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return None


def _temp_prefix(path: Path) -> str:
    """``.<name>``, or for a very long name a cut of it plus a hash of the whole (the temporary name must
    still fit in `NAME_MAX` bytes, and must not be another file's)."""
    name = path.name
    encoded = os.fsencode(name)
    if len(encoded) <= _TEMP_NAME_BYTES:
        return f".{name}"
    cut = encoded[: _TEMP_NAME_BYTES - 13].decode("utf-8", "ignore")
    return f".{cut}-{hashlib.sha256(encoded).hexdigest()[:12]}"


def _create_temp(path: Path) -> tuple[int, Path]:
    """A new file next to ``path``, created with mode 0o666 so that the umask applies as for ``open()``."""
    prefix = _temp_prefix(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = path.parent / f"{prefix}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(path))
