"""Operating-system failures a user can act on, in their words: a full disk. One place maps them,
for every command (``submit``, ``run``, the top-level CLI handler)."""

from __future__ import annotations

import errno
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

_FULL = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded"}
#: shutil.copytree gathers its failures as text: the errno survives only in the words
_FULL_TEXT = {f"[Errno {n}]": words for n, words in _FULL.items()}
#: below this many free bytes a failed write is put down to the full disk (SQLite, Dagster's
#: storage, says "disk I/O error" rather than which)
NEARLY_FULL = 1 << 20


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def full_disk_at(path: Path | str) -> str | None:
    """``disk full at <path>`` when the file system holding ``path`` has (almost) no room left."""
    probe = Path(path)
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return None
    return f"disk full at {path}" if free < NEARLY_FULL else None


def disk_full(exc: BaseException, where: Path | str | None = None) -> str | None:
    """``disk full at <path>`` when ``exc``, or an exception it came from, is a full disk (the path
    is ``where`` when given, else the file the error names); ``None`` otherwise."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in _FULL:
            return f"{_FULL[e.errno]} at {where or e.filename2 or e.filename or 'an unnamed file'}"
        if isinstance(e, shutil.Error):
            for failure in e.args[0] if e.args and isinstance(e.args[0], list) else []:
                text = str(failure[-1]) if isinstance(failure, tuple) and failure else ""
                for code, words in _FULL_TEXT.items():
                    if code in text:
                        return f"{words} at {where or failure[1]}"
        if isinstance(e, sqlite3.OperationalError) and where is not None and full_disk_at(where):
            return full_disk_at(where)
    return None
