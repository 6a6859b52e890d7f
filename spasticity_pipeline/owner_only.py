"""Owner-only files: patient data (uploads, the landing zone) and the portal's own state are
created readable by their owner alone (folders 0700, files 0600) whatever the process's umask.

Modes are set explicitly after creation rather than through ``os.umask`` (which is process-wide
and would race with other threads).
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (and any parents it had to create)."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    path.mkdir(parents=True, exist_ok=True)
    for created in [*missing, path]:
        os.chmod(created, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty (or keep it) with mode 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def open_private(path: Path, mode: str = "xb"):
    """``open(path, mode)`` for a new file created 0600 (``x``: refuses an existing one)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if "x" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode.replace("x", "w"))


def make_private(path: Path) -> None:
    """Every folder under ``path`` (itself included) 0700 and every file 0600; links untouched."""
    path = Path(path)
    if path.is_symlink() or not path.exists():
        return
    if path.is_file():
        os.chmod(path, FILE_MODE)
        return
    os.chmod(path, DIR_MODE)
    for root, dirs, files in os.walk(path):
        for d in dirs:
            p = os.path.join(root, d)
            if not os.path.islink(p):
                os.chmod(p, DIR_MODE)
        for f in files:
            p = os.path.join(root, f)
            if not os.path.islink(p):
                os.chmod(p, FILE_MODE)
