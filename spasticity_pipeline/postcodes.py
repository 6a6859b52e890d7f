"""The postcode → LSOA → IMD lookup (spec §4): a CSV with ``postcode, lsoa_code, imd_decile``.

The project ships one that covers its synthetic data; a network points
``SPASTICITY_POSTCODE_LOOKUP`` at the real postcode directory joined to the IMD, in the same shape.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .config import ConfigError

LOOKUP_COLUMNS = ("postcode", "lsoa_code", "imd_decile")


def normalise_postcodes(values: pa.Array) -> pa.Array:
    """Spec §10: remove all whitespace, upper-case, one space before the last three characters."""
    squashed = pc.utf8_upper(pc.replace_substring_regex(values, r"\s+", ""))
    return pc.replace_substring_regex(squashed, r"^(.+)(.{3})$", r"\1 \2")


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> pa.Table:
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={"postcode": pa.string(), "lsoa_code": pa.string(), "imd_decile": pa.string()}
            ),
        )
    except FileNotFoundError:
        raise ConfigError(f"{path}: postcode lookup not found (set SPASTICITY_POSTCODE_LOOKUP)") from None
    except pa.ArrowInvalid as exc:
        raise ConfigError(f"{path}: not a readable CSV: {exc}") from None
    missing = [c for c in LOOKUP_COLUMNS if c not in table.column_names]
    if missing:
        raise ConfigError(
            f"{path}: the postcode lookup needs columns {', '.join(LOOKUP_COLUMNS)}; missing {', '.join(missing)}"
        )
    decile = (
        pc.cast(pc.if_else(pc.equal(table["imd_decile"], ""), None, table["imd_decile"]), pa.int32(), safe=False)
        if table.num_rows
        else pa.array([], pa.int32())
    )
    bad = pc.sum(pc.or_(pc.less(decile, 1), pc.greater(decile, 10))).as_py() if table.num_rows else 0
    if bad:
        raise ConfigError(f"{path}: imd_decile must be 1–10 ({bad} rows are not)")
    out = pa.table(
        {"postcode": normalise_postcodes(table["postcode"]), "lsoa_code": table["lsoa_code"], "imd_decile": decile}
    )
    # one row per postcode: the first wins, so a duplicated line cannot multiply patients
    idx = pc.unique(out["postcode"])
    first = pc.index_in(idx, out["postcode"])
    return out.take(first)


def load_lookup(path: Path) -> pa.Table:
    """The lookup as an Arrow table with normalised postcodes (cached per file version)."""
    path = Path(path)
    mtime = path.stat().st_mtime if path.exists() else 0.0
    return _load(str(path), mtime)
