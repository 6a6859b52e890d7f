"""Files and fields of regional-v1 (spec §2) as data.

Everything that reads, checks, generates or documents a submission takes its fields from
here: the validator builds its checks from these specs, the generator writes these columns,
and ``docs/contract.md`` is rendered from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from . import codes

Kind = Literal["string", "nhs_number", "date", "code", "int", "decimal", "postcode", "measure_value"]

#: Earliest plausible dates (R09): birth and onset dates may be old, everything else is recent.
OLD_DATE_FLOOR = "1900-01-01"
DATE_FLOOR = "2000-01-01"


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    required: bool = False
    max_len: int | None = None
    codes: tuple[str, ...] | None = None
    #: inclusive range for R10 (``low_exclusive`` makes the low bound strict: units > 0)
    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    #: allowed integer values for R10 when not a range (baseline_score is -1 or -2)
    allowed: tuple[int, ...] | None = None
    date_floor: str = DATE_FLOOR
    #: identifier: never leaves ingest except in the quarantine store
    identifier: bool = False
    description: str = ""

    @property
    def is_date(self) -> bool:
        return self.kind == "date"


@dataclass(frozen=True)
class ForeignKey:
    column: str
    parent_file: str
    parent_column: str


@dataclass(frozen=True)
class DateOrder:
    """An R08 rule ``field >= other`` (``other`` is a column of this file or of the FK parent)."""

    column: str
    other: str
    #: "self" compares within the row; "parent" compares with the FK parent's column
    where: Literal["self", "parent"] = "self"


@dataclass(frozen=True)
class FileSpec:
    name: str  # e.g. "patients.csv"
    fields: tuple[Field, ...]
    primary_key: str
    foreign_key: ForeignKey | None = None
    date_orders: tuple[DateOrder, ...] = ()
    #: both-or-neither pairs (R08)
    pairs: tuple[tuple[str, str], ...] = ()
    #: the FK parent's contact_type must be ``injection`` (R08)
    parent_must_be_injection: bool = False
    description: str = ""

    @property
    def table(self) -> str:
        return self.name.removesuffix(".csv")

    @property
    def fk(self) -> ForeignKey:
        """The foreign key of a child file (patients.csv, the root, has none)."""
        if self.foreign_key is None:
            raise ValueError(f"{self.name} has no foreign key")
        return self.foreign_key

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")


def _id(name: str, **kw) -> Field:
    return Field(name, "string", required=True, max_len=20, **kw)


def _fk(name: str) -> Field:
    # no length limit of its own: an over-long reference matches no parent row (R06)
    return Field(name, "string", required=True)


def _code(name: str, values: tuple[str, ...], required: bool = True) -> Field:
    return Field(name, "code", required=required, codes=values)


def _date(name: str, required: bool = True, floor: str = DATE_FLOOR) -> Field:
    return Field(name, "date", required=required, date_floor=floor)


PATIENTS = FileSpec(
    "patients.csv",
    (
        _id("local_patient_id", identifier=True),
        Field("nhs_number", "nhs_number", required=True, identifier=True),
        _date("birth_date", floor=OLD_DATE_FLOOR),
        _code("sex", codes.SEX),
        _code("ethnic_category", codes.ETHNIC_CATEGORY),
        Field("postcode", "postcode", required=True, identifier=True),
        _code("primary_condition", codes.PRIMARY_CONDITION),
        _date("condition_onset_date", required=False, floor=OLD_DATE_FLOOR),
        _code("communication_preference", codes.COMMUNICATION_PREFERENCE, required=False),
    ),
    primary_key="local_patient_id",
    date_orders=(DateOrder("condition_onset_date", "birth_date"),),
    description="One row per patient with a referral in the snapshot.",
)

REFERRALS = FileSpec(
    "referrals.csv",
    (
        _id("referral_id"),
        _fk("local_patient_id"),
        _date("referral_received_date"),
        _code("referral_source", codes.REFERRAL_SOURCE),
        _code("standard_route", codes.YES_NO),
        _code("priority", codes.PRIORITY),
        _date("triage_date", required=False),
        _date("first_assessment_date", required=False),
        Field("site_ods_code", "string", required=True),
        _date("discharge_date", required=False),
    ),
    primary_key="referral_id",
    foreign_key=ForeignKey("local_patient_id", "patients.csv", "local_patient_id"),
    date_orders=(
        DateOrder("triage_date", "referral_received_date"),
        DateOrder("first_assessment_date", "referral_received_date"),
        DateOrder("discharge_date", "referral_received_date"),
    ),
    description="Every referral with any activity in the period.",
)

CONTACTS = FileSpec(
    "contacts.csv",
    (
        _id("contact_id"),
        _fk("referral_id"),
        _date("contact_date"),
        _code("contact_type", codes.CONTACT_TYPE),
        _code("attendance", codes.ATTENDANCE),
        _code("consultant_present", codes.YES_NO),
        _code("physio_present", codes.YES_NO),
        Field("site_ods_code", "string", required=True),
    ),
    primary_key="contact_id",
    foreign_key=ForeignKey("referral_id", "referrals.csv", "referral_id"),
    date_orders=(DateOrder("contact_date", "referral_received_date", where="parent"),),
)

INJECTIONS = FileSpec(
    "injections.csv",
    (
        _id("injection_id"),
        _fk("contact_id"),
        _code("product", codes.PRODUCT),
        _code("limb", codes.LIMB),
        _code("side", codes.SIDE),
        Field("muscle", "string", required=True, max_len=60),
        Field("units", "decimal", required=True, low=0, high=1500, low_exclusive=True),
        _code("guidance", codes.GUIDANCE),
    ),
    primary_key="injection_id",
    foreign_key=ForeignKey("contact_id", "contacts.csv", "contact_id"),
    parent_must_be_injection=True,
    description="One row per muscle injected.",
)

GOALS = FileSpec(
    "goals.csv",
    (
        _id("goal_id"),
        _fk("referral_id"),
        _date("set_date"),
        _code("goal_area", codes.GOAL_AREA),
        _code("is_primary", codes.YES_NO),
        Field("importance", "int", low=0, high=3),
        Field("difficulty", "int", low=0, high=3),
        Field("baseline_score", "int", required=True, allowed=(-1, -2)),
        _date("outcome_date", required=False),
        Field("outcome_score", "int", low=-2, high=2),
    ),
    primary_key="goal_id",
    foreign_key=ForeignKey("referral_id", "referrals.csv", "referral_id"),
    date_orders=(
        DateOrder("set_date", "referral_received_date", where="parent"),
        DateOrder("outcome_date", "set_date"),
    ),
    pairs=(("importance", "difficulty"), ("outcome_date", "outcome_score")),
)

OUTCOME_MEASURES = FileSpec(
    "outcome_measures.csv",
    (
        _id("measure_id"),
        _fk("referral_id"),
        _date("measure_date"),
        _code("timepoint", codes.TIMEPOINT),
        _code("instrument", codes.INSTRUMENT),
        Field("body_site", "string", max_len=40),
        Field("value", "measure_value", required=True),
    ),
    primary_key="measure_id",
    foreign_key=ForeignKey("referral_id", "referrals.csv", "referral_id"),
    date_orders=(DateOrder("measure_date", "referral_received_date", where="parent"),),
)

ADVERSE_EVENTS = FileSpec(
    "adverse_events.csv",
    (
        _id("event_id"),
        _fk("contact_id"),
        _date("event_date"),
        _code("event_type", codes.EVENT_TYPE),
        _code("severity", codes.SEVERITY),
        _code("serious", codes.YES_NO),
    ),
    primary_key="event_id",
    foreign_key=ForeignKey("contact_id", "contacts.csv", "contact_id"),
    date_orders=(DateOrder("event_date", "contact_date", where="parent"),),
    parent_must_be_injection=True,
)

EXPERIENCE = FileSpec(
    "experience.csv",
    (
        _id("response_id"),
        _fk("referral_id"),
        _date("response_date"),
        Field("fft_response", "int", required=True, low=1, high=6),
        _code("understood_goals", codes.UNDERSTOOD_GOALS, required=False),
        _code("preferred_contact", codes.COMMUNICATION_PREFERENCE, required=False),
    ),
    primary_key="response_id",
    foreign_key=ForeignKey("referral_id", "referrals.csv", "referral_id"),
    date_orders=(DateOrder("response_date", "referral_received_date", where="parent"),),
)

#: Files in dependency order: a parent always comes before its children (cascades, R07).
FILES: tuple[FileSpec, ...] = (
    PATIENTS,
    REFERRALS,
    CONTACTS,
    INJECTIONS,
    ADVERSE_EVENTS,
    GOALS,
    OUTCOME_MEASURES,
    EXPERIENCE,
)
FILES_BY_NAME: dict[str, FileSpec] = {f.name: f for f in FILES}
FILE_NAMES: tuple[str, ...] = tuple(f.name for f in FILES)

MANIFEST_NAME = "manifest.json"
MANIFEST_KEYS = ("spec_version", "trust_ods_code", "period", "format", "generated_at", "files")
SPEC_VERSION = "regional-v1"
CANONICAL_FORMAT = "regional-v1"

#: Identifiers dropped at ingest (spec §4); only the quarantine store keeps them.
IDENTIFIER_FIELDS = ("nhs_number", "postcode", "birth_date")


def children_of(file_name: str) -> tuple[FileSpec, ...]:
    return tuple(f for f in FILES if f.foreign_key and f.foreign_key.parent_file == file_name)
