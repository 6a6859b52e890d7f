"""``manifest.json`` (spec §1, §10): the one model, the hardened reader and the one writer.

The reader treats the file as hostile: its size and nesting are bounded before it is parsed,
numbers are range-checked while they are parsed (Python refuses to turn more than 4,300 digits
into an int), and the pydantic model checks every type. Whatever is wrong becomes a finding
(``ManifestProblems``: F01 for the shape, F02 for the trust/period/version/format keys),
never an exception a caller has to know about.

A file's entry (``sha256``, ``rows``) is checked when its file is (F04), so a damaged entry of a
file the format does not read is ignored as spec §10 asks. ``rows`` counts data rows: a number
for a CSV file, an object of rows per sheet for a workbook.

The writer counts rows with the same readers validation uses, so a manifest it writes agrees
with ``spasticity validate`` by construction.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .. import periods
from ..contract.fields import CANONICAL_FORMAT, FILES, MANIFEST_KEYS, MANIFEST_NAME, SPEC_VERSION
from .read import UnreadableFile, read_csv_text, sha256_of

#: a manifest of eight files is about 1.5 KB; anything near this is not a manifest
MAX_BYTES = 1 << 20
#: root → files → entry → rows per sheet is four levels; a little room, never a thousand
MAX_DEPTH = 8
#: digits of any integer in the file (a row count has at most ten)
MAX_INT_DIGITS = 18
#: the largest row count taken as a count (a month of one service is thousands)
MAX_ROWS = 1_000_000_000
MAX_FILES = 1000
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
#: the keys whose value is judged against the registry: a wrong type is F02, like a wrong value
IDENTITY_KEYS = ("spec_version", "trust_ods_code", "period", "format")

MANIFEST_COMMAND = "spasticity manifest FOLDER --trust {trust} --period {period} --force"


class BadManifest(Exception):
    """F01: the manifest is missing, unreadable, not JSON, or not shaped like a manifest."""


@dataclass
class ManifestProblems(Exception):
    """The manifest cannot be used. ``f01`` (one message) wins over ``f02`` (key → message);
    ``identity`` holds the F02 keys whose values are usable text, for the registry checks."""

    f01: str | None = None
    f02: dict[str, str] = field(default_factory=dict)
    identity: dict[str, str] = field(default_factory=dict)


# -- the model ---------------------------------------------------------------------------------

RowCount = Annotated[int, Field(strict=True, ge=0, le=MAX_ROWS)]


def _row_count(value: Any) -> int | None:
    """A JSON number that is a whole count (``3`` or ``3.0``; never ``true``), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_ROWS:
        return value
    return None


class FileEntry(BaseModel):
    """One file's line. A value that is not usable is kept as None (F04 when its file is
    checked: the sha256 before the file is read, the row count after)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sha256: str | None = None
    rows: int | dict[str, RowCount] | None = None

    @field_validator("sha256", mode="before")
    @classmethod
    def _hex(cls, v: Any) -> str | None:
        return v.lower() if isinstance(v, str) and _SHA256.match(v) else None

    @field_validator("rows", mode="before")
    @classmethod
    def _rows(cls, v: Any) -> int | dict[str, int] | None:
        if isinstance(v, dict):
            counts = {k: _row_count(n) for k, n in v.items()}
            if len(counts) > MAX_FILES or any(n is None for n in counts.values()):
                return None
            return counts  # type: ignore[return-value]
        return _row_count(v)


class Manifest(BaseModel):
    """The six keys of spec §1 (other top-level keys are ignored), plus who wrote it."""

    model_config = ConfigDict(frozen=True, extra="ignore", strict=True)

    spec_version: str
    trust_ods_code: str
    period: str
    format: str
    generated_at: str
    files: dict[str, FileEntry | None] = Field(max_length=MAX_FILES)
    generated_by: str | None = None

    @field_validator("files", mode="before")
    @classmethod
    def _entries(cls, v: Any) -> Any:
        """An entry that is not an object counts as not listed (F04 for a file that is read)."""
        if isinstance(v, dict):
            return {k: (e if isinstance(e, dict | FileEntry) else None) for k, e in v.items()}
        return v

    @field_validator("generated_by", mode="before")
    @classmethod
    def _by(cls, v: Any) -> str | None:
        return v if isinstance(v, str) else None

    def entry(self, name: str) -> FileEntry | None:
        return self.files.get(name)

    def dump(self) -> str:
        return json.dumps(self.model_dump(exclude_none=True), indent=2) + "\n"

    def write(self, folder: Path, *, force: bool = True) -> Path:
        """Write ``manifest.json`` last and atomically (spec §9: its presence completes a drop)."""
        path = folder / MANIFEST_NAME
        if path.exists() and not force:
            raise FileExistsError(f"{path} already exists; use --force to replace it")
        tmp = folder / f".{MANIFEST_NAME}.tmp"
        tmp.write_text(self.dump(), encoding="utf-8")
        os.replace(tmp, path)
        return path


# -- reading -------------------------------------------------------------------------------------

#: a JSON string (the unrolled form: linear time, where ``"(?:[^"\\]|\\.)*"`` takes seconds on 1 MB)
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)


def _depth(raw: bytes) -> int:
    """How deeply arrays and objects nest (brackets inside strings do not count)."""
    body = np.frombuffer(_STRINGS.sub(b'""', raw), np.uint8)
    steps = ((body == ord("[")) | (body == ord("{"))).astype(np.int32) - ((body == ord("]")) | (body == ord("}")))
    return int(np.cumsum(steps).max()) if len(steps) else 0


class _TooBig(ValueError):
    pass


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooBig
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _TooBig
    return value


def _constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _parse(raw: bytes) -> Any:
    if len(raw) > MAX_BYTES:
        raise BadManifest(f"manifest.json is larger than {MAX_BYTES // 1024} KB: a manifest lists a handful of files")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadManifest("manifest.json is not valid JSON (it is not UTF-8 text)") from None
    depth = _depth(raw)
    if depth > MAX_DEPTH:
        raise BadManifest(f"manifest.json nests lists or objects {depth} levels deep; a manifest needs four at most")
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _TooBig:
        raise BadManifest("manifest.json holds a number too large to be a row count") from None
    except json.JSONDecodeError as exc:
        raise BadManifest(f"manifest.json is not valid JSON (JSONDecodeError at position {exc.pos})") from None
    except (ValueError, RecursionError):
        raise BadManifest("manifest.json is not valid JSON") from None


def _type_words(key: str) -> str:
    if key == "files":
        return "manifest.json key 'files' must be an object"
    if key == "generated_at":
        return "manifest.json key 'generated_at' must be text (when the manifest was written, ISO 8601)"
    return f"manifest.json key {key!r} is not what a manifest holds"


_F02_WORDS = {
    "spec_version": f"spec_version must be the text {SPEC_VERSION}",
    "trust_ods_code": "trust_ods_code must be text: the trust's ODS code",
    "period": "period must be YYYY-MM text with a month from 01 to 12",
    "format": "format must be text: regional-v1 or the name of a dialect registered for this trust",
}


def parse_manifest(raw: bytes) -> Manifest:
    """Bytes of a manifest → ``Manifest``; ``ManifestProblems`` when it cannot be used."""
    try:
        data = _parse(raw)
    except BadManifest as exc:
        raise ManifestProblems(f01=str(exc)) from None
    if not isinstance(data, dict):
        raise ManifestProblems(f01="manifest.json must hold a JSON object")
    missing = [k for k in MANIFEST_KEYS if k not in data]
    if missing:
        raise ManifestProblems(f01=f"manifest.json lacks required key(s): {', '.join(missing)}")
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        keys = list(dict.fromkeys(str(e["loc"][0]) for e in exc.errors() if e["loc"]))
        shape = [k for k in keys if k not in IDENTITY_KEYS]
        if shape:
            raise ManifestProblems(f01="; ".join(_type_words(k) for k in shape)) from None
        identity = {k: data[k] for k in IDENTITY_KEYS if k not in keys}
        raise ManifestProblems(f02={k: _F02_WORDS[k] for k in keys}, identity=identity) from None


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the submission in ``folder`` (``ManifestProblems`` when unusable)."""
    path = Path(folder) / MANIFEST_NAME
    if not path.exists():
        raise ManifestProblems(f01="manifest.json is missing")
    if not path.is_file():
        raise ManifestProblems(f01="manifest.json is not a file")
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise ManifestProblems(f01=f"manifest.json cannot be read ({reason})") from None
    return parse_manifest(raw)


# -- F04 in the trust's terms ------------------------------------------------------------------


def _fix(manifest: Manifest) -> str:
    return "write the manifest again: " + MANIFEST_COMMAND.format(trust=manifest.trust_ods_code, period=manifest.period)


def not_listed(name: str, manifest: Manifest) -> str:
    return f"{name} is not listed in manifest.json (or its entry is not an object): {_fix(manifest)}"


def sha256_differs(name: str, manifest: Manifest) -> str:
    return (
        f"{name} has changed since manifest.json was written (its sha256 differs); "
        f"if this is the file to send, {_fix(manifest)}"
    )


def rows_differ(name: str, expected: int | dict[str, int] | None, actual: int | dict[str, int], manifest: Manifest):
    """The F04 message when the manifest's row count for ``name`` is not the file's, else None."""
    if expected == actual:
        return None
    if isinstance(actual, dict):
        if not isinstance(expected, dict):
            said = "gives no usable row counts" if expected is None else "gives one row count"
            return f"{name}: manifest.json {said} for the workbook; it needs one per sheet; {_fix(manifest)}"
        parts = [
            f"sheet {sheet}: manifest says {expected.get(sheet, 'nothing')}, file has {n}"
            for sheet, n in actual.items()
            if expected.get(sheet) != n
        ]
        return f"{name}: {'; '.join(parts)} (data rows); {_fix(manifest)}"
    if expected is None or isinstance(expected, dict):
        return f"{name}: manifest.json gives no usable row count (a whole number of data rows); {_fix(manifest)}"
    return f"{name}: manifest says {expected} data rows, file has {actual}; {_fix(manifest)}"


# -- writing -------------------------------------------------------------------------------------


class ManifestError(ValueError):
    """``spasticity manifest`` cannot write a manifest; the message says why and what to do."""


@dataclass
class FormatFiles:
    """A format a trust may send and the files it holds (regional-v1 or a registered dialect)."""

    name: str
    files: tuple[str, ...]
    dialect: Any = None  # extract.dialect.Dialect; typed loosely to keep this module's imports light


def formats_for(trust: str) -> list[FormatFiles]:
    """regional-v1 and every dialect registered for ``trust`` (ConfigError if one does not load)."""
    from ..config import registry
    from .dialect import load_dialect

    out = [FormatFiles(CANONICAL_FORMAT, tuple(s.name for s in FILES))]
    t = registry().trust(trust)
    for name in t.dialects if t else ():
        d = load_dialect(name)
        out.append(FormatFiles(name, d.source_files, d))
    return out


def infer_format(names: set[str], formats: list[FormatFiles]) -> FormatFiles:
    """The format whose files are in the folder: the one with the most of them (missing ones are
    F03 at validation); a tie is ambiguous."""
    overlap = {f.name: len(names & set(f.files)) for f in formats}
    best = max(overlap.values(), default=0)
    if best == 0:
        expected = "; ".join(f"{f.name}: {', '.join(f.files)}" for f in formats)
        raise ManifestError(f"the folder holds none of the files of a format this trust may send ({expected})")
    tied = [f for f in formats if overlap[f.name] == best]
    if len(tied) > 1:
        raise ManifestError(
            f"the files fit more than one format ({', '.join(f.name for f in tied)}): say which with --format"
        )
    return tied[0]


def count_rows(path: Path, fmt: FormatFiles) -> int | dict[str, int]:
    """Data rows as validation counts them: records (not lines), per sheet for a workbook
    (only the sheets the dialect reads). ``UnreadableFile`` when the file cannot be read."""
    d = fmt.dialect
    if d is not None and d.type == "xlsx":
        from .xlsx import read_workbook

        wanted = list(dict.fromkeys(t.sheet for t in d.tables.values() if t.file == path.name))
        sheets = read_workbook(path)
        return {s: sheets[s].num_rows for s in wanted if s in sheets}
    if d is not None:
        return read_csv_text(path, delimiter=d.delimiter, quotechar=d.quotechar, encoding=d.encoding).num_rows
    return read_csv_text(path).num_rows


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Written:
    path: Path
    manifest: Manifest
    #: files of the format that are not in the folder (F03 when validated)
    missing: list[str]
    #: file → why it could not be counted (F05 when validated)
    unreadable: dict[str, str]


def manifest_for(
    folder: Path,
    trust: str,
    period: str,
    fmt: FormatFiles,
    *,
    generated_at: str | None = None,
    generated_by: str | None = None,
) -> tuple[Manifest, list[str], dict[str, str]]:
    """The manifest of the files of ``fmt`` in ``folder``, with the missing and unreadable ones."""
    files: dict[str, FileEntry | None] = {}
    missing, unreadable = [], {}
    for name in fmt.files:
        path = folder / name
        if not path.is_file():
            missing.append(name)
            continue
        try:
            digest = sha256_of(path)
        except OSError as exc:  # not listed: validation says so (F04) and the trust sees why here
            unreadable[name] = f"cannot be opened: {(exc.strerror or type(exc).__name__).lower()}"
            continue
        try:
            rows: int | dict[str, int] = count_rows(path, fmt)
        except UnreadableFile as exc:
            unreadable[name] = str(exc)
            rows = 0  # validation stops at F05 before it compares row counts
        files[name] = FileEntry(sha256=digest, rows=rows)
    manifest = Manifest(
        spec_version=SPEC_VERSION,
        trust_ods_code=trust,
        period=period,
        format=fmt.name,
        generated_at=generated_at or now_stamp(),
        files=files,
        generated_by=generated_by,
    )
    return manifest, missing, unreadable


def make_manifest(folder: Path, trust: str, period: str, fmt: str | None = None, *, force: bool = False) -> Written:
    """``spasticity manifest``: write ``folder/manifest.json`` for the trust's own files."""
    from ..config import registry

    folder = Path(folder)
    if registry().trust(trust) is None:
        raise ManifestError(f"{trust!r} is not a trust in the network's registry (config/trusts.yaml)")
    if not periods.is_period(period):
        raise ManifestError(f"period {period!r} must be YYYY-MM with a month from 01 to 12")
    if (folder / MANIFEST_NAME).exists() and not force:
        raise ManifestError(f"{folder / MANIFEST_NAME} already exists; add --force to replace it")
    formats = formats_for(trust)
    if fmt is None:
        chosen = infer_format({p.name for p in folder.iterdir() if p.is_file()}, formats)
    else:
        chosen = next((f for f in formats if f.name == fmt), None)  # type: ignore[assignment]
        if chosen is None:
            allowed = ", ".join(f.name for f in formats)
            raise ManifestError(f"format {fmt!r} is not one {trust} may send (registered: {allowed})")
    manifest, missing, unreadable = manifest_for(folder, trust, period, chosen, generated_by="spasticity manifest")
    return Written(manifest.write(folder, force=True), manifest, missing, unreadable)
