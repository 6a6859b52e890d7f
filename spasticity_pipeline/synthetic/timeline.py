"""A trust's clinical timeline: every patient, referral, contact, injection, goal, measure,
adverse event and experience response it will ever send, with real dates (numpy, vectorised).

Monthly submissions are snapshots cut from this (``snapshot.py``). Patterns follow the seed
documents: waits around the 18-week standard, joint consultant + physiotherapist clinics,
injection cycles every 13–16 weeks with a review about six weeks after, GAS goals set at
assessment and scored 10–16 weeks after the first injection, MAS (incl. ``1+``) and pain
scores (some referrals also EQ-5D VAS, Barthel, ArmA, mRS), letter then email as preferred
contact. Dose limits and the re-injection interval come from ``config/clinical.yaml`` (every
version), so natural care never trips W04/W05 and the injected warnings always do.

Warning faults live here, because they are facts about the care (a test NHS number, a postcode
outside the lookup, an overdose session, a re-injection too soon) and so recur in every
snapshot that carries the row: flags ``w02``, ``w03`` (patients), ``w04`` (injections) and
``w05`` (contacts).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Product, clinical
from ..contract import codes

DAY = np.timedelta64(1, "D")
MUSCLES = {
    "upper": np.array(
        [
            "biceps brachii",
            "brachioradialis",
            "flexor carpi radialis",
            "flexor digitorum superficialis",
            "flexor digitorum profundus",
            "pectoralis major",
            "flexor pollicis longus",
        ]
    ),
    "lower": np.array(
        [
            "gastrocnemius medial head",
            "gastrocnemius lateral head",
            "soleus",
            "tibialis posterior",
            "hamstrings",
            "adductor longus",
            "rectus femoris",
        ]
    ),
}
#: roughly the South East's mix, in the order of codes.ETHNIC_CATEGORY
ETHNIC_MIX = np.array([78, 2, 4, 0.5, 0.5, 0.5, 0.5, 3, 1, 0.5, 0.5, 1, 1, 0.5, 0.5, 1, 3, 1])
MAS_SITES = np.array(["elbow flexors", "wrist flexors", "finger flexors", "ankle plantarflexors", "hip adductors"])
#: further instruments some referrals are scored on (share of referrals, baseline range, change at review)
OTHER_INSTRUMENTS = {
    "EQ5D_VAS": (0.35, (30, 81), (-5, 16)),
    "BARTHEL": (0.25, (6, 19), (-1, 3)),
    "ARMA_PASSIVE": (0.15, (6, 25), (-6, 2)),
    "MRS": (0.2, (2, 5), (-1, 1)),
}


@dataclass(frozen=True)
class Care:
    """What the clinical configuration allows, over all its versions (so that the generator's
    natural care never triggers W04/W05 whichever version is in force, and its faults always do)."""

    #: product → (upper, lower) licensed maximum per session: the lowest of any version
    safe_limits: dict[str, tuple[float, float]]
    #: units per muscle of a W04 session (botox, upper limb, three muscles): above every version
    overdose_units: float
    #: minimum re-injection interval: (lowest, highest) over versions
    interval: tuple[int, int]


def care() -> Care:
    versions = clinical().versions
    safe = {
        p: (min(v.dose_limits[p].upper for v in versions), min(v.dose_limits[p].lower for v in versions))
        for p in typing.get_args(Product)
    }
    top = max(max(v.dose_limits["botox"].upper, v.dose_limits["botox"].both) for v in versions)
    overdose = float(5 * np.ceil(top * 1.1 / 3 / 5))
    if overdose > 1500:
        raise ValueError("a botox limit above 4000 units cannot be exceeded within R10's 1500 units per row")
    days = [v.min_reinjection_days for v in versions]
    return Care(safe, overdose, (min(days), max(days)))


def distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (``np.unique`` hashes and is ~100× slower on millions of ints)."""
    s = np.sort(values)
    return s[np.r_[True, s[1:] != s[:-1]]] if len(s) else s


def nhs_numbers(rng: np.random.Generator, n: int, test_range: bool = False) -> np.ndarray:
    """Valid (modulus 11) NHS numbers, distinct; ``test_range`` gives ones starting 999."""
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        m = (n - have) * 2 + 16
        d = rng.integers(0, 10, (m, 9))
        if test_range:
            d[:, :3] = 9
        else:
            d[:, 0] = rng.integers(3, 9, m)  # never the 999 test range (nor a leading zero)
        check = 11 - (d * np.arange(10, 1, -1)).sum(axis=1) % 11
        check[check == 11] = 0
        ok = check != 10
        value = (d[ok] * 10 ** np.arange(9, 0, -1)).sum(axis=1) + check[ok]
        out.append(distinct(value))
        have += len(out[-1])
    values = distinct(np.concatenate(out)) if out else np.array([], np.int64)
    return rng.permutation(values)[:n].astype(str)


@dataclass
class Timeline:
    trust: str
    patients: pd.DataFrame
    referrals: pd.DataFrame
    contacts: pd.DataFrame
    injections: pd.DataFrame
    adverse_events: pd.DataFrame
    goals: pd.DataFrame
    outcome_measures: pd.DataFrame
    experience: pd.DataFrame


def people(rng: np.random.Generator, n: int, lookup: pd.DataFrame, start: np.datetime64) -> pd.DataFrame:
    """Persons (identity and demographics), shared between trusts where a patient is seen at both."""
    age = np.where(rng.random(n) < 0.06, rng.integers(3, 18, n), rng.integers(18, 92, n))
    birth = start - (age * 365.25).astype("int64") * DAY - rng.integers(0, 365, n) * DAY
    condition = rng.choice(codes.PRIMARY_CONDITION, n, p=[0.42, 0.16, 0.12, 0.14, 0.08, 0.08])
    condition = np.where(age < 18, "cerebral_palsy", condition)
    return pd.DataFrame(
        {
            "nhs_number": nhs_numbers(rng, n),
            "birth_date": birth,
            "sex": rng.choice(codes.SEX, n, p=[0.52, 0.46, 0.005, 0.015]),
            "ethnic_category": rng.choice(codes.ETHNIC_CATEGORY, n, p=ETHNIC_MIX / ETHNIC_MIX.sum()),
            "postcode": lookup["postcode"].to_numpy()[rng.integers(0, len(lookup), n)],
            "primary_condition": condition,
            "onset_years": rng.integers(0, 12, n),
            "communication_preference": rng.choice(codes.COMMUNICATION_PREFERENCE, n, p=[0.5, 0.3, 0.1, 0.06, 0.04]),
            "w02": False,
            "w03": False,
        }
    )


def timeline(
    rng: np.random.Generator,
    trust: str,
    persons: pd.DataFrame,
    first: np.datetime64,
    last: np.datetime64,
    w_share: float,
) -> Timeline:
    """Every row the trust will send for ``persons`` (one referral each) up to ``last``."""
    n = len(persons)
    pid, rid = _ids(f"{trust}P", n, 6), _ids(f"{trust}R", n, 6)
    span = int((last - first) / DAY) + 300
    received = first - 300 * DAY + rng.integers(0, span - 20, n) * DAY
    onset = received - (persons["onset_years"].to_numpy() * 365 + rng.integers(30, 365, n)) * DAY
    onset = np.maximum(onset, persons["birth_date"].to_numpy() + 30 * DAY)
    wait = np.clip(rng.normal(112, 35, n), 14, 260).astype(int)
    assess = received + wait * DAY
    triage = np.where(rng.random(n) < 0.95, received + rng.integers(0, 16, n) * DAY, np.datetime64("NaT"))

    # warning faults: a handful of referrals per kind (disjoint)
    n_w = max(1, int(round(w_share * n))) if w_share > 0 else 0
    chosen = rng.permutation(n)[: 4 * n_w] if n_w else np.array([], int)
    w02, w03, w04, w05 = (chosen[i * n_w : (i + 1) * n_w] for i in range(4))
    persons = persons.copy()
    if n_w:
        persons.loc[persons.index[w02], "nhs_number"] = nhs_numbers(rng, len(w02), test_range=True)
        persons.loc[persons.index[w02], "w02"] = True
        persons.loc[persons.index[w03], "postcode"] = [f"ZZ{1 + i % 9} {1 + i % 9}ZZ" for i in range(len(w03))]
        persons.loc[persons.index[w03], "w03"] = True
    patients = pd.DataFrame(
        {
            "local_patient_id": pid,
            "nhs_number": persons["nhs_number"].to_numpy(),
            "birth_date": persons["birth_date"].to_numpy(),
            "sex": persons["sex"].to_numpy(),
            "ethnic_category": persons["ethnic_category"].to_numpy(),
            "postcode": persons["postcode"].to_numpy(),
            "primary_condition": persons["primary_condition"].to_numpy(),
            "condition_onset_date": onset,
            "communication_preference": persons["communication_preference"].to_numpy(),
            "w02": persons["w02"].to_numpy(),
            "w03": persons["w03"].to_numpy(),
        }
    )

    # contacts: assessment, then injection cycles (13–16 weeks apart) each with a review
    rows = [
        pd.DataFrame(
            {
                "ref": np.arange(n),
                "contact_date": assess,
                "contact_type": "assessment",
                "attendance": "attended",
                "cycle": -1,
            }
        )
    ]
    next_inj = assess + rng.integers(14, 43, n) * DAY
    rules = care()
    too_soon = np.zeros(n, bool)
    too_soon[w05] = True
    for cycle in range(8):
        live = next_inj <= last
        if not live.any():
            break
        att = np.where(
            rng.random(n) < 0.93, "attended", rng.choice(["dna", "patient_cancelled", "provider_cancelled"], n)
        )
        att[too_soon] = "attended"
        rows.append(
            pd.DataFrame(
                {
                    "ref": np.arange(n)[live],
                    "contact_date": next_inj[live],
                    "contact_type": "injection",
                    "attendance": att[live],
                    "cycle": cycle,
                }
            )
        )
        # a missed injection is rebooked 2–4 weeks later
        missed = live & (att != "attended")
        rebook = next_inj + rng.integers(14, 29, n) * DAY
        rows.append(
            pd.DataFrame(
                {
                    "ref": np.arange(n)[missed & (rebook <= last)],
                    "contact_date": rebook[missed & (rebook <= last)],
                    "contact_type": "injection",
                    "attendance": "attended",
                    "cycle": cycle,
                }
            )
        )
        done = np.where(missed, rebook, next_inj)
        review = done + rng.integers(35, 50, n) * DAY
        rv = live & (review <= last)
        rows.append(
            pd.DataFrame(
                {
                    "ref": np.arange(n)[rv],
                    "contact_date": review[rv],
                    "contact_type": rng.choice(["review", "telephone", "video"], n, p=[0.7, 0.2, 0.1])[rv],
                    "attendance": np.where(rng.random(n) < 0.94, "attended", "dna")[rv],
                    "cycle": cycle,
                }
            )
        )
        gap = rng.integers(7, 29, n) + rules.interval[1]  # 13–16 weeks with the default 84 days
        if cycle == 0:  # W05: the second injection too soon
            gap[too_soon] = np.maximum(rules.interval[0] - rng.integers(24, 45, too_soon.sum()), 14)
        next_inj = (done + gap * DAY).astype("datetime64[D]")
    contacts = pd.concat(rows, ignore_index=True).sort_values(["ref", "contact_date"], kind="stable")
    contacts = contacts.reset_index(drop=True)
    contacts["contact_id"] = _ids(f"{trust}C", len(contacts))
    joint = rng.random(len(contacts)) < 0.8
    contacts["consultant_present"] = np.where(joint | (rng.random(len(contacts)) < 0.5), "Y", "N")
    contacts["physio_present"] = np.where(joint | (contacts["consultant_present"] == "N"), "Y", "N")
    contacts["site_ods_code"] = trust
    contacts["referral_id"] = rid[contacts["ref"].to_numpy()]
    inj = contacts["contact_type"].eq("injection") & contacts["attendance"].eq("attended")
    first_attended = contacts[inj].groupby("ref")["contact_date"].min()
    nth = contacts[inj].groupby("ref").cumcount()
    second = nth.index[nth == 1]
    contacts["w05"] = False
    contacts.loc[second, "w05"] = too_soon[contacts.loc[second, "ref"].to_numpy()]

    injections = _injections(rng, trust, contacts[inj], w04, rules)
    adverse = _adverse(rng, trust, contacts[inj])
    goals = _goals(rng, trust, rid, assess, first_attended, n)
    measures = _measures(rng, trust, contacts, n)
    experience = _experience(rng, trust, contacts)

    discharge = np.where(
        rng.random(n) < 0.08,
        contacts.groupby("ref")["contact_date"].max().reindex(range(n)).to_numpy().astype("datetime64[D]") + 60 * DAY,
        np.datetime64("NaT"),
    )
    referrals = pd.DataFrame(
        {
            "referral_id": rid,
            "local_patient_id": pid,
            "referral_received_date": received,
            "referral_source": rng.choice(codes.REFERRAL_SOURCE, n, p=[0.2, 0.15, 0.2, 0.15, 0.2, 0.05, 0.02, 0.03]),
            "standard_route": np.where(rng.random(n) < 0.85, "Y", "N"),
            "priority": np.where(rng.random(n) < 0.15, "urgent", "routine"),
            "triage_date": triage,
            "first_assessment_date": assess,
            "site_ods_code": trust,
            "discharge_date": discharge,
        }
    )
    return Timeline(
        trust, patients, referrals, contacts.drop(columns=["cycle"]), injections, adverse, goals, measures, experience
    )


def _ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    if n == 0:  # numpy's zfill fails on an empty array
        return np.array([], dtype=f"<U{len(prefix) + width}")
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


def _injections(
    rng: np.random.Generator, trust: str, sessions: pd.DataFrame, overdose_refs: np.ndarray, rules: Care
) -> pd.DataFrame:
    m = len(sessions)
    k = rng.integers(2, 5, m)  # muscles per session
    product = rng.choice(codes.PRODUCT, m, p=[0.6, 0.3, 0.1])
    limb = np.where(rng.random(m) < 0.6, "upper", "lower")
    # W04: the referral's first session becomes botox, upper limb, three muscles above the maximum
    over_first = np.isin(sessions["ref"].to_numpy(), overdose_refs) & ~sessions["ref"].duplicated().to_numpy()
    product[over_first], limb[over_first], k[over_first] = "botox", "upper", 3
    # a session's total is a share of the product's single-limb maximum, below it
    which = pd.Index(codes.PRODUCT).get_indexer(product)
    table = np.array([rules.safe_limits[p] for p in codes.PRODUCT])
    limit = table[which, np.where(limb == "upper", 0, 1)]
    total = limit * rng.uniform(0.35, 0.85, m)
    rep = np.repeat(np.arange(m), k)
    share = rng.uniform(0.6, 1.4, len(rep))
    share /= np.bincount(rep, share)[rep]
    units = np.round(total[rep] * share / 5) * 5
    units = np.maximum(units, 5)
    units = np.where(over_first[rep], rules.overdose_units, units)
    limb_r = limb[rep]
    muscle = np.where(
        limb_r == "upper",
        MUSCLES["upper"][rng.integers(0, 7, len(rep))],
        MUSCLES["lower"][rng.integers(0, 7, len(rep))],
    )
    return pd.DataFrame(
        {
            "injection_id": _ids(f"{trust}I", len(rep)),
            "contact_id": sessions["contact_id"].to_numpy()[rep],
            "product": product[rep],
            "limb": limb_r,
            "side": rng.choice(codes.SIDE, m)[rep],
            "muscle": muscle,
            "units": units,
            "guidance": rng.choice(codes.GUIDANCE, m, p=[0.55, 0.25, 0.1, 0.1])[rep],
            "ref": sessions["ref"].to_numpy()[rep],
            "date": sessions["contact_date"].to_numpy()[rep],
            "w04": over_first[rep],
        }
    )


def _adverse(rng: np.random.Generator, trust: str, sessions: pd.DataFrame) -> pd.DataFrame:
    hit = rng.random(len(sessions)) < 0.07
    s = sessions[hit]
    n = len(s)
    return pd.DataFrame(
        {
            "event_id": _ids(f"{trust}E", n),
            "contact_id": s["contact_id"].to_numpy(),
            "event_date": s["contact_date"].to_numpy() + rng.integers(1, 15, n) * DAY,
            "event_type": rng.choice(codes.EVENT_TYPE, n, p=[0.3, 0.35, 0.05, 0.15, 0.1, 0.05]),
            "severity": rng.choice(codes.SEVERITY, n, p=[0.7, 0.25, 0.05]),
            "serious": np.where(rng.random(n) < 0.04, "Y", "N"),
            "ref": s["ref"].to_numpy(),
        }
    )


def _goals(
    rng: np.random.Generator, trust: str, rid: np.ndarray, assess: np.ndarray, first_injection: pd.Series, n: int
) -> pd.DataFrame:
    k = rng.integers(1, 4, n)
    rep = np.repeat(np.arange(n), k)
    order = np.arange(len(rep)) - np.repeat(np.cumsum(k) - k, k)
    primary = order == 0
    primary |= (order == 1) & (rng.random(len(rep)) < 0.04)  # a few referrals set two primary goals
    first = first_injection.reindex(range(n)).to_numpy().astype("datetime64[D]")
    outcome = first[rep] + rng.integers(70, 113, len(rep)) * DAY  # 12–22 weeks after set
    both = rng.random(len(rep)) < 0.85
    return pd.DataFrame(
        {
            "goal_id": _ids(f"{trust}G", len(rep)),
            "referral_id": rid[rep],
            "set_date": assess[rep],
            "goal_area": rng.choice(codes.GOAL_AREA, len(rep)),
            "is_primary": np.where(primary, "Y", "N"),
            "importance": np.where(both, rng.integers(0, 4, len(rep)), -9),
            "difficulty": np.where(both, rng.integers(0, 4, len(rep)), -9),
            "baseline_score": np.where(rng.random(len(rep)) < 0.7, -1, -2),
            "outcome_date": outcome,
            "outcome_score": rng.choice([-2, -1, 0, 1, 2], len(rep), p=[0.05, 0.2, 0.4, 0.25, 0.1]),
            "ref": rep,
        }
    )


def _measures(rng: np.random.Generator, trust: str, contacts: pd.DataFrame, n: int) -> pd.DataFrame:
    """MAS (with a site) and pain at the assessment and at each attended review; some referrals
    are also scored on EQ-5D VAS, Barthel, ArmA or mRS, at baseline and at review alike."""
    base = contacts[contacts["contact_type"] == "assessment"]
    review = contacts[(contacts["contact_type"] == "review") & (contacts["attendance"] == "attended")]
    scored = {name: rng.random(n) < share for name, (share, _, _) in OTHER_INSTRUMENTS.items()}
    start = {name: rng.integers(*first, n) for name, (_, first, _) in OTHER_INSTRUMENTS.items()}
    parts = []
    for when, frame in (("baseline", base), ("review", review)):
        m = len(frame)
        ref = frame["ref"].to_numpy()
        mas = rng.choice(
            codes.MAS_VALUES,
            m,
            p=[0.05, 0.15, 0.25, 0.3, 0.2, 0.05] if when == "baseline" else [0.1, 0.25, 0.25, 0.25, 0.1, 0.05],
        )
        nrs = np.clip(rng.integers(2, 9, m) - (0 if when == "baseline" else rng.integers(0, 4, m)), 0, 10)
        measures = [
            ("MAS", mas, MAS_SITES[rng.integers(0, len(MAS_SITES), m)], np.ones(m, bool)),
            ("NRS_PAIN", nrs.astype(str), np.full(m, None, object), np.ones(m, bool)),
        ]
        for name, (_, _, change) in OTHER_INSTRUMENTS.items():
            low, high = codes.INSTRUMENT_RANGES[name]
            value = start[name][ref] + (0 if when == "baseline" else rng.integers(*change, m))
            measures.append((name, np.clip(value, low, high).astype(str), np.full(m, None, object), scored[name][ref]))
        for instrument, value, site, has in measures:
            parts.append(
                pd.DataFrame(
                    {
                        "referral_id": frame["referral_id"].to_numpy()[has],
                        "measure_date": frame["contact_date"].to_numpy()[has],
                        "timepoint": when,
                        "instrument": instrument,
                        "body_site": site[has],
                        "value": value[has],
                        "ref": ref[has],
                    }
                )
            )
    out = pd.concat(parts, ignore_index=True).sort_values(["ref", "measure_date"], kind="stable").reset_index(drop=True)
    out.insert(0, "measure_id", _ids(f"{trust}M", len(out)))
    return out


def _experience(rng: np.random.Generator, trust: str, contacts: pd.DataFrame) -> pd.DataFrame:
    reviews = contacts[(contacts["contact_type"] == "review") & (contacts["attendance"] == "attended")]
    first = reviews.drop_duplicates("ref")
    first = first[rng.random(len(first)) < 0.6]
    n = len(first)
    return pd.DataFrame(
        {
            "response_id": _ids(f"{trust}X", n),
            "referral_id": first["referral_id"].to_numpy(),
            "response_date": first["contact_date"].to_numpy() + rng.integers(0, 15, n) * DAY,
            "fft_response": rng.choice([1, 2, 3, 4, 5, 6], n, p=[0.6, 0.25, 0.06, 0.03, 0.02, 0.04]),
            "understood_goals": rng.choice(["Y", "N", "U", ""], n, p=[0.8, 0.08, 0.07, 0.05]),
            "preferred_contact": rng.choice(
                ["letter", "email", "text", "telephone", ""], n, p=[0.45, 0.32, 0.1, 0.08, 0.05]
            ),
            "ref": first["ref"].to_numpy(),
        }
    )
