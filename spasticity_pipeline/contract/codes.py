"""Code lists of regional-v1 (spec §2). The only place these values are written down."""

from __future__ import annotations

SEX = ("1", "2", "9", "X")
ETHNIC_CATEGORY = (
    "A",
    "B",
    "C",
    "D",
    "E",
    "F",
    "G",
    "H",
    "J",
    "K",
    "L",
    "M",
    "N",
    "P",
    "R",
    "S",
    "Z",
    "99",
)
PRIMARY_CONDITION = (
    "stroke",
    "multiple_sclerosis",
    "cerebral_palsy",
    "acquired_brain_injury",
    "spinal_cord_injury",
    "other_neurological",
)
COMMUNICATION_PREFERENCE = ("letter", "email", "text", "telephone", "none_stated")
REFERRAL_SOURCE = (
    "gp",
    "acute_stroke_unit",
    "neurorehabilitation",
    "community_neuro_team",
    "hospital_consultant",
    "therapist",
    "self",
    "other",
)
YES_NO = ("Y", "N")
PRIORITY = ("urgent", "routine")
CONTACT_TYPE = ("assessment", "injection", "review", "therapy", "telephone", "video")
ATTENDANCE = ("attended", "dna", "patient_cancelled", "provider_cancelled")
PRODUCT = ("botox", "dysport", "xeomin")
LIMB = ("upper", "lower")
SIDE = ("L", "R")
GUIDANCE = ("ultrasound", "emg", "electrical_stimulation", "anatomical")
GOAL_AREA = (
    "passive_function",
    "active_function",
    "pain",
    "involuntary_movement",
    "mobility",
    "impairment",
    "body_image",
    "other",
)
TIMEPOINT = ("baseline", "review")
EVENT_TYPE = ("weakness", "injection_site_pain", "dysphagia", "flu_like", "fall", "other")
SEVERITY = ("mild", "moderate", "severe")
UNDERSTOOD_GOALS = ("Y", "N", "U")

#: Instruments and the values each accepts. ``MAS`` is an ordinal list; the others are
#: inclusive integer ranges. A non-integer for an integer instrument is R02; an integer out
#: of range, or a MAS value outside its list, is R10 (spec §10).
MAS_VALUES = ("0", "1", "1+", "2", "3", "4")
INSTRUMENT_RANGES: dict[str, tuple[int, int]] = {
    "NRS_PAIN": (0, 10),
    "BARTHEL": (0, 20),
    "ARMA_PASSIVE": (0, 28),
    "ARMA_ACTIVE": (0, 52),
    "EQ5D_VAS": (0, 100),
    "MRS": (0, 6),
}
INSTRUMENT = ("MAS", *INSTRUMENT_RANGES)

#: MAS sorts 0 < 1 < 1+ < 2 < 3 < 4; this is its numeric position for analysis.
MAS_ORDINAL = {"0": 0.0, "1": 1.0, "1+": 1.5, "2": 2.0, "3": 3.0, "4": 4.0}

#: Ethnic group of marts.population_profile (spec §7) from the ethnic category's first letter.
ETHNIC_GROUP = {
    **{c: "White" for c in "ABC"},
    **{c: "Mixed" for c in "DEFG"},
    **{c: "Asian" for c in "HJKL"},
    **{c: "Black" for c in "MNP"},
    **{c: "Other" for c in "RS"},
    "Z": "Not stated",
    "99": "Not stated",
}
