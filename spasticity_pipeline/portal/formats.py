"""What a trust may upload (regional-v1's eight files, or a registered dialect's) and the manifest
the portal writes for it (spec §1, §10) with the one manifest writer ``spasticity manifest`` uses."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..config import ConfigError, registry
from ..contract.fields import CANONICAL_FORMAT, FILES
from ..extract.dialect import Dialect, load_dialect
from ..extract.manifest import FormatFiles, Manifest, manifest_for
from .upload_safety import UploadRefused

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Format:
    name: str  # regional-v1 or a dialect name
    files: tuple[str, ...]
    dialect: Dialect | None = None

    @property
    def label(self) -> str:
        return (
            "regional-v1 (the eight CSV files)"
            if self.dialect is None
            else f"{self.name} ({self.dialect.system or 'registered dialect'})"
        )


def formats_for(trust: str) -> list[Format]:
    out = [Format(CANONICAL_FORMAT, tuple(s.name for s in FILES))]
    t = registry().trust(trust)
    for name in t.dialects if t else ():
        try:
            d = load_dialect(name)
        except ConfigError:
            log.exception("dialect %s of %s does not load", name, trust)
            continue
        out.append(Format(name, d.source_files, d))
    return out


def allowed_names(formats: list[Format]) -> dict[str, str]:
    """Lower-cased file name → the name a format expects (so ``patients.CSV`` is taken)."""
    return {n.lower(): n for f in formats for n in f.files}


def pick_format(names: list[str], formats: list[Format]) -> Format:
    """The format whose files the upload holds (most in common; missing ones are F03 later)."""
    best = max(formats, key=lambda f: len(set(names) & set(f.files)))
    extra = sorted(set(names) - set(best.files))
    if extra:
        raise UploadRefused(
            f"{', '.join(extra)} do(es) not belong with {', '.join(sorted(set(names) - set(extra)))}: "
            f"a {best.name} submission holds {', '.join(best.files)}"
        )
    return best


def write_manifest(folder: Path, trust: str, period: str, fmt: Format) -> Manifest:
    manifest, _, _ = manifest_for(
        folder, trust, period, FormatFiles(fmt.name, fmt.files, fmt.dialect), generated_by="spasticity portal"
    )
    manifest.write(folder)
    return manifest
