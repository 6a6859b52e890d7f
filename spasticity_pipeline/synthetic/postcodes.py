"""The shipped postcode → LSOA → IMD lookup, built deterministically for the synthetic network.

Real outward codes of Kent, Surrey and Sussex with invented inward codes, LSOA codes and
deciles: enough for the generator's patients and for W03 (a postcode absent from it).
Regenerate with ``python -m spasticity_pipeline.synthetic.postcodes``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ..settings import SHIPPED_POSTCODE_LOOKUP

#: outward codes by area, with a typical deprivation decile (coastal towns lower)
OUTWARDS = {
    "TN": [(1, 7), (2, 8), (4, 6), (9, 7), (23, 4), (24, 5), (34, 3), (37, 4), (40, 3)],
    "ME": [(1, 5), (4, 3), (5, 6), (7, 3), (8, 4), (10, 4), (14, 6), (15, 7), (16, 6)],
    "CT": [(1, 5), (2, 6), (9, 2), (11, 3), (12, 2), (16, 4), (19, 4), (20, 2), (21, 4)],
    "DA": [(1, 4), (2, 6), (5, 7), (8, 3), (11, 3), (12, 4), (13, 6)],
    "BN": [(1, 4), (2, 4), (3, 5), (7, 6), (9, 3), (11, 5), (15, 6), (21, 3), (41, 6)],
    "RH": [(1, 7), (2, 8), (10, 5), (11, 5), (12, 7), (13, 8), (16, 7), (19, 8)],
    "GU": [(1, 7), (2, 8), (9, 8), (14, 5), (15, 7), (21, 7), (22, 6), (27, 9)],
    "KT": [(1, 8), (6, 8), (12, 8), (13, 9), (15, 7), (16, 8), (17, 9), (22, 8)],
    "SM": [(1, 6), (2, 8), (5, 5), (6, 7), (7, 9)],
    "CR": [(0, 4), (2, 6), (3, 8), (5, 8), (8, 8)],
    "PO": [(18, 6), (19, 6), (20, 7), (21, 4), (22, 4)],
}
LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))  # the letters used in inward codes
PER_DISTRICT = 50


def build_lookup(seed: int = 20261124) -> pa.Table:
    rng = np.random.default_rng(seed)
    postcodes, lsoas, deciles = [], [], []
    lsoa_no = 0
    for area, districts in OUTWARDS.items():
        for district, typical in districts:
            n = PER_DISTRICT
            inward = (
                rng.integers(1, 10, n).astype(str).astype(object)
                + LETTERS[rng.integers(0, len(LETTERS), n)]
                + LETTERS[rng.integers(0, len(LETTERS), n)]
            )
            codes = np.unique(np.char.add(f"{area}{district} ", inward.astype(str)))
            # a few LSOAs per district, deciles scattered around the district's typical value
            n_lsoa = 5
            lsoa_of = rng.integers(0, n_lsoa, len(codes))
            lsoa_decile = np.clip(typical + rng.integers(-2, 3, n_lsoa), 1, 10)
            postcodes += codes.tolist()
            lsoas += [f"E01{lsoa_no + i:06d}" for i in lsoa_of]
            deciles += lsoa_decile[lsoa_of].tolist()
            lsoa_no += n_lsoa
    return pa.table({"postcode": postcodes, "lsoa_code": lsoas, "imd_decile": pa.array(deciles, pa.int32())})


def write_lookup() -> None:
    pacsv.write_csv(build_lookup(), SHIPPED_POSTCODE_LOOKUP, pacsv.WriteOptions(quoting_style="none"))


if __name__ == "__main__":
    write_lookup()
    print(f"wrote {SHIPPED_POSTCODE_LOOKUP}")
