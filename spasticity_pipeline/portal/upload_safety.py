"""Receiving uploaded files safely: names checked against the files a submission may hold, zips
(and workbooks, which are zips of XML) read entry by entry with limits — no paths, links,
folders, encryption or bombs, no XML document type declarations — and every byte counted as it is
written. Nothing uploaded is executed or rendered; files are only ever parsed as data by the
validator, later."""

from __future__ import annotations

import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from ..owner_only import open_private, private_dir
from .config import MAX_ZIP_ENTRIES, MAX_ZIP_RATIO, PortalConfig

ALLOWED_EXTENSIONS = (".csv", ".xlsx", ".zip")
#: the zip ratio check applies to entries larger than this (tiny files compress oddly well)
_RATIO_FLOOR = 1 << 20
_CHUNK = 1 << 16


class UploadRefused(ValueError):
    """The upload cannot be taken; the message tells the user why and what to do instead."""


def clean_name(raw: str, allowed: dict[str, str], where: str = "") -> str:
    """The expected file name for an uploaded (or zipped) name, or ``UploadRefused``."""
    raw = raw or ""
    if "\x00" in raw or raw != raw.strip() or not raw:
        raise UploadRefused(f"{where}a file has an empty or invalid name")
    if (
        "/" in raw
        or "\\" in raw
        or PurePosixPath(raw).is_absolute()
        or PureWindowsPath(raw).is_absolute()
        or PureWindowsPath(raw).drive
    ):
        raise UploadRefused(f"{where}{raw!r} has a folder path: upload the files themselves, not folders")
    if raw in (".", "..") or raw.startswith("."):
        raise UploadRefused(f"{where}{raw!r} is not a submission file")
    name = allowed.get(raw.lower())
    if name is None:
        if not raw.lower().endswith(ALLOWED_EXTENSIONS):
            raise UploadRefused(
                f"{where}{raw!r}: only .csv, .xlsx and .zip files can be uploaded "
                "(or the files of your registered dialect)"
            )
        raise UploadRefused(
            f"{where}{raw!r} is not one of the files of a submission; expected: "
            + ", ".join(sorted(set(allowed.values())))
        )
    return name


def check_zip(zf: zipfile.ZipFile, cfg: PortalConfig, label: str, *, flat: bool) -> list[zipfile.ZipInfo]:
    """Refuse a zip (or workbook) that could hurt: too many entries, links, encryption, paths
    leaving the folder and (``flat``) any folder at all, or a size bomb."""
    infos = zf.infolist()
    if len(infos) > (MAX_ZIP_ENTRIES if flat else 10 * MAX_ZIP_ENTRIES):
        raise UploadRefused(f"{label} holds {len(infos)} entries: too many for a submission")
    total = 0
    for info in infos:
        name = info.filename
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadRefused(f"{label} contains a symbolic link ({name!r}); links are not accepted")
        if info.flag_bits & 0x1:
            raise UploadRefused(f"{label} is encrypted; upload a zip without a password")
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or PureWindowsPath(name).drive or ".." in parts:
            raise UploadRefused(
                f"{label} contains an entry with an unsafe path ({name!r}): paths may not be absolute or go up a folder"
            )
        if flat and (info.is_dir() or len(parts) != 1):
            raise UploadRefused(
                f"{label} contains folders ({name!r}): zip the submission's files themselves, not a folder holding them"
            )
        total += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            raise UploadRefused(
                f"{label}: {name!r} expands more than {MAX_ZIP_RATIO} times its compressed "
                "size, which is refused as a possible zip bomb"
            )
    if total > cfg.max_unzipped_bytes:
        raise UploadRefused(
            f"{label} expands to {total // (1024 * 1024)} MB; the limit is "
            f"{cfg.max_unzipped_bytes // (1024 * 1024)} MB uncompressed"
        )
    return infos


def _copy_limited(src: IO[bytes], dst: IO[bytes], limit: int, label: str) -> int:
    """Copy at most ``limit`` bytes (the sizes a zip declares are not trusted)."""
    n = 0
    while chunk := src.read(_CHUNK):
        n += len(chunk)
        if n > limit:
            raise UploadRefused(f"{label} is larger than it declares or than the limit allows")
        dst.write(chunk)
    return n


#: what goes wrong reading a damaged or hostile zip (UploadRefused, a ValueError, is re-raised first)
_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError, zlib.error)


def _check_workbook(path: Path, cfg: PortalConfig, label: str) -> None:
    """A workbook is a zip of XML: the same bomb limits, and no DTDs (entity expansion attacks;
    openpyxl also parses through defusedxml)."""
    try:
        with zipfile.ZipFile(path) as zf:
            for info in check_zip(zf, cfg, label, flat=False):
                if info.filename.endswith((".xml", ".rels")):
                    with zf.open(info) as fh:
                        head = fh.read(4096)
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise UploadRefused(
                            f"{label} contains XML with a document type declaration, which "
                            "workbooks do not need; save it again from Excel"
                        )
    except UploadRefused:
        raise
    except _ZIP_ERRORS:
        pass  # not a readable workbook: the validator reports it (F05) without unpacking anything


def store_files(
    uploaded: list[tuple[str, IO[bytes]]], folder: Path, allowed: dict[str, str], cfg: PortalConfig
) -> list[str]:
    """Write the uploaded files (unpacking zips) into ``folder``; returns the names stored.
    ``allowed`` maps each lower-cased file name a submission may hold to its expected spelling."""
    private_dir(folder.parent)
    folder.mkdir(exist_ok=False)
    private_dir(folder)
    stored: list[str] = []
    budget = cfg.max_unzipped_bytes

    def put(name: str, src: IO[bytes], label: str) -> None:
        nonlocal budget
        if name in stored:
            raise UploadRefused(f"{name} was uploaded twice")
        with open_private(folder / name, "xb") as dst:
            budget -= _copy_limited(src, dst, budget, label)
        stored.append(name)
        if name.lower().endswith(".xlsx"):
            _check_workbook(folder / name, cfg, label)

    for raw, fh in uploaded:
        if raw.lower().endswith(".zip") and raw.lower() not in allowed:
            clean_name_zip(raw)
            try:
                with zipfile.ZipFile(fh) as zf:
                    for info in check_zip(zf, cfg, repr(raw), flat=True):
                        name = clean_name(info.filename, allowed, where=f"In {raw!r}: ")
                        with zf.open(info) as src:
                            put(name, src, f"{raw!r} entry {info.filename!r}")
            except UploadRefused:
                raise
            except _ZIP_ERRORS:
                raise UploadRefused(f"{raw!r} is not a valid zip file, or is damaged") from None
        else:
            put(clean_name(raw, allowed), fh, repr(raw))
    if not stored:
        raise UploadRefused("no files were uploaded: choose the submission's files or one zip holding them")
    return stored


def clean_name_zip(raw: str) -> None:
    if "/" in raw or "\\" in raw or "\x00" in raw or raw.startswith("."):
        raise UploadRefused(f"{raw!r} is not a valid file name")
