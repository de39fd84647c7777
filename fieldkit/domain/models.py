"""The domain's tables (SQLModel). Ids are UUIDv7 strings made on the device.

Every synced table carries ``site_id``, the scope key that decides which devices
receive a row (a site's own row is scoped by its id). Enum-valued columns store
the slugs of :mod:`fieldkit.domain.vocab`; money is whole fen; dates are ISO dates.

Columns whose name starts with ``search_`` are derived on the device for search
and are never synced.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import NaiveDatetime
from sqlalchemy import Column, Dialect, Index, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlmodel import Field, SQLModel

from fieldkit.domain.ids import decode_id, encode_id, new_id
from fieldkit.domain.money import MAX_FEN
from fieldkit.domain.vocab import (
    ActivityKind,
    AmendAction,
    Category,
    Confirmation,
    ConsultTopic,
    EventKind,
    Role,
    Sex,
    SiteKind,
    Status,
    Tier,
    VisitReason,
)

__all__ = [
    "SYNCED_TABLES",
    "CardKey",
    "Consultation",
    "Person",
    "PersonEvent",
    "RecordAmendment",
    "ServiceActivity",
    "Site",
    "StaffMember",
    "StoreDateTime",
    "StoreId",
    "TeamMember",
    "Visit",
    "VolunteerTeam",
    "enum_field",
    "id_field",
    "record_id_field",
    "store_datetime",
]


class StoreDateTime(SQLITE_DATETIME):
    """SQLite's text datetime without a fraction of zero: ``2026-01-01 08:30:00``.

    SQLAlchemy's own form always ends in ``.ffffff`` (``2026-01-01 08:30:00.000000``),
    7 bytes more per value and per index entry; the sync wire carries whole seconds
    (``fieldkit.store.wire.to_wire``), so nearly every stored fraction is zero. A
    non-zero fraction is still kept (``.ffffff``), which sorts after the bare second,
    so the text sorts as the time does and compares against bare dates as before.
    Values read back are the same ``datetime`` (SQLAlchemy parses both forms). Store
    migration 0012 rewrote the values already stored.
    """

    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], str | None]:
        def process(value: Any) -> str | None:
            if value is None:
                return None
            if isinstance(value, datetime):
                return value.replace(tzinfo=None).isoformat(" ")
            if isinstance(value, date):
                return f"{value.isoformat()} 00:00:00"
            raise TypeError(
                "SQLite DateTime type only accepts Python datetime and date objects as input."
            )

        return process


class StoreId(TypeDecorator[str]):
    """A record id: a canonical UUID stored as its 16 raw bytes on SQLite, any other
    string as text (:func:`fieldkit.domain.ids.encode_id`); Python sees ``str``.

    The column is declared ``VARCHAR`` as before (SQLite keeps a BLOB in a column of
    text affinity as it is). The bytes of UUIDs sort as their canonical text does, so
    ordering by id is kept among UUIDs (text ids sort before every BLOB). Other
    databases (headquarters) store the text unchanged. Store migration 0014 rewrote
    the ids already stored.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return encode_id(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return decode_id(value)


def id_field(**kwargs: Any) -> Any:
    """The primary key ``id``: a new UUIDv7 by default, stored as :class:`StoreId`."""
    return Field(default_factory=new_id, primary_key=True, sa_type=StoreId, **kwargs)


def record_id_field(**kwargs: Any) -> Any:
    """A column holding a record's id (``Field`` keyword arguments pass through),
    stored as :class:`StoreId`."""
    return Field(sa_type=StoreId, **kwargs)


def store_datetime(**kwargs: Any) -> Any:
    """A field stored as :class:`StoreDateTime` (``Field`` keyword arguments pass through)."""
    return Field(sa_type=StoreDateTime, **kwargs)


def enum_field(default: StrEnum | None = None, enum: type[StrEnum] | None = None) -> Any:
    """A column holding a vocabulary's slug as plain text (no database enum type)."""
    if enum is not None:
        kind = enum
    elif default is not None:
        kind = type(default)
    else:
        raise TypeError("enum_field needs a default member or the enum class")
    sa_type = SAEnum(
        kind,
        values_callable=lambda e: [m.value for m in e],
        native_enum=False,
        create_constraint=False,
        length=32,
    )
    if default is None:
        return Field(sa_type=sa_type)
    return Field(default=default, sa_type=sa_type)


class Site(SQLModel, table=True):
    """A relocation site, community or village where persons live and activities happen."""

    __tablename__ = "site"

    id: str = id_field()
    name: str = Field(index=True)
    county: str = ""
    kind: SiteKind = enum_field(SiteKind.VILLAGE)
    address: str = ""
    deleted: bool = False


class StaffMember(SQLModel, table=True):
    """A bureau staff member or volunteer who goes on visits (一人一卡 contacts)."""

    __tablename__ = "staff_member"

    id: str = id_field()
    name: str
    role: Role = enum_field(Role.STAFF)
    phone: str = ""
    site_id: str = record_id_field(foreign_key="site.id", index=True)
    deleted: bool = False


class Person(SQLModel, table=True):
    """The per-person file (一人一档) with the person's care plan (一人一策)."""

    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_site_name", "site_id", "search_full"),
        Index("ix_person_search_initials", "search_initials"),
        Index("ix_person_search_full", "search_full"),
    )

    id: str = id_field()
    code: str = Field(index=True, unique=True, description="Short human code such as GL-0042")
    name: str
    sex: Sex = enum_field(Sex.MALE)
    birth_date: date | None = None
    category: Category = enum_field(Category.RETIRED)
    former_unit: str = ""
    site_id: str = record_id_field(foreign_key="site.id")  # indexed first in ix_person_site_name
    address: str = ""
    phone: str = ""
    id_number: str = Field(
        default="", index=True, description="ID-card number; hidden from volunteers"
    )
    family: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    health: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    lives_alone: bool = False
    hardship: bool = False
    party_member: bool = False
    party_year: int | None = None
    skills: str = ""
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    status: Status = enum_field(Status.ACTIVE)
    # care plan (一人一策)
    tier: Tier = enum_field(Tier.ROUTINE)
    contact_id: str | None = record_id_field(default=None, foreign_key="staff_member.id")
    plan_notes: str = ""
    plan_review_date: date | None = None
    card_issue: int = Field(
        default=1,
        ge=1,
        le=65535,
        sa_column_kwargs={"server_default": "1"},
        description="Issue number of the person's current service card; older cards are refused",
    )
    deleted: bool = False
    # derived on the device, never synced
    search_full: str = ""
    search_initials: str = ""


class PersonEvent(SQLModel, table=True):
    """A dated change in a person's situation: hospitalised, moved, deceased..."""

    __tablename__ = "person_event"

    id: str = id_field()
    person_id: str = record_id_field(foreign_key="person.id", index=True)
    site_id: str = record_id_field(foreign_key="site.id", index=True)
    kind: EventKind = enum_field(enum=EventKind)
    happened_on: date
    note: str = ""
    recorded_by: str = Field(
        default="", description="The user who recorded it (their enrolled name)"
    )
    deleted: bool = False


class Visit(SQLModel, table=True):
    """A visit to a person: why, when, who went, what was found and done."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_person_time", "person_id", "visited_at"),)

    id: str = id_field()
    person_id: str = record_id_field(foreign_key="person.id")
    site_id: str = record_id_field(foreign_key="site.id")
    reason: VisitReason = enum_field(VisitReason.ROUTINE)
    visited_at: NaiveDatetime = store_datetime()
    visitors: str = Field(default="", description="Names of those who went, comma separated")
    people_present: str = ""
    confirmation: Confirmation = enum_field(Confirmation.NONE)
    needs: str = Field(default="", description="问需: checklist items and free text")
    services: str = ""
    money_fen: int = Field(default=0, ge=0, le=MAX_FEN)
    goods: str = ""
    follow_up: str = ""
    follow_up_due: date | None = None
    notes: str = ""
    card_scanned_at: NaiveDatetime | None = store_datetime(
        default=None, description="When the person's service card was scanned for this visit"
    )
    card_issue: int | None = Field(default=None, description="Issue number of the scanned card")
    recorded_by: str = Field(
        default="", description="The user who recorded it (their enrolled name)"
    )
    deleted: bool = False


class Consultation(SQLModel, table=True):
    """A free consultation given to a person on the roster or to a walk-in."""

    __tablename__ = "consultation"

    id: str = id_field()
    site_id: str = record_id_field(foreign_key="site.id", index=True)
    person_id: str | None = record_id_field(default=None, foreign_key="person.id", index=True)
    walkin_name: str = ""
    walkin_village: str = ""
    topic: ConsultTopic = enum_field(ConsultTopic.OTHER)
    held_on: date
    question: str = ""
    outcome: str = ""
    referral: str = ""
    given_by: str = ""
    recorded_by: str = Field(
        default="", description="The user who recorded it (their enrolled name)"
    )
    deleted: bool = False


class VolunteerTeam(SQLModel, table=True):
    """A volunteer team (爱晚志愿者, 银发护林...) based at a site."""

    __tablename__ = "volunteer_team"

    id: str = id_field()
    name: str
    focus: str = ""
    site_id: str = record_id_field(foreign_key="site.id", index=True)
    leader: str = ""
    deleted: bool = False


class TeamMember(SQLModel, table=True):
    """A member of a volunteer team; may be a person on the roster."""

    __tablename__ = "team_member"

    id: str = id_field()
    team_id: str = record_id_field(foreign_key="volunteer_team.id", index=True)
    site_id: str = record_id_field(foreign_key="site.id", index=True)
    name: str
    person_id: str | None = record_id_field(default=None, foreign_key="person.id")
    phone: str = ""
    skills: str = ""
    deleted: bool = False


class ServiceActivity(SQLModel, table=True):
    """A volunteer service activity: a talk, patrol, mediation... and whom it reached."""

    __tablename__ = "service_activity"

    id: str = id_field()
    team_id: str = record_id_field(foreign_key="volunteer_team.id", index=True)
    site_id: str = record_id_field(foreign_key="site.id", index=True)
    kind: ActivityKind = enum_field(ActivityKind.TALK)
    title: str = ""
    held_on: date
    duration_minutes: int = Field(default=60, ge=0)
    attendee_ids: str = Field(default="", description="Team member ids, comma separated")
    attendee_count: int = Field(default=0, ge=0)
    people_reached: int = Field(default=0, ge=0, description="受益群众 (person-times)")
    notes: str = ""
    recorded_by: str = Field(
        default="", description="The user who recorded it (their enrolled name)"
    )
    deleted: bool = False


class RecordAmendment(SQLModel, table=True):
    """One correction or void of a saved record: append-only, never changed or removed.

    ``changes`` holds ``{field: [old, new]}`` (wire values) of the fields every role
    sees; ``hidden_changes`` those of fields some role may not see (a visit's money),
    synced only to roles that see them. ``person_id`` is the record's person (None for
    an activity or a walk-in's consultation): the amendment goes wherever the person goes.
    """

    __tablename__ = "record_amendment"
    __table_args__ = (Index("ix_record_amendment_record", "tbl", "record_id"),)

    id: str = id_field()
    site_id: str = record_id_field(foreign_key="site.id", index=True)
    person_id: str | None = record_id_field(default=None, foreign_key="person.id", index=True)
    tbl: str = Field(description="The amended record's table")
    record_id: str = record_id_field()
    action: AmendAction = enum_field(enum=AmendAction)
    changes: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    hidden_changes: str = Field(
        default="{}", sa_column=Column(Text, nullable=False, server_default="{}")
    )
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    by_user: str = ""
    device: str = ""
    at: NaiveDatetime = store_datetime()
    deleted: bool = False


class CardKey(SQLModel, table=True):
    """A county's public key that verifies service cards (一人一卡), one row per key.

    Headquarters makes a key pair, keeps the private half in its own data dir (never
    in any table) and publishes this row; every laptop verifies cards offline with
    the public keys it holds. Rotating adds a row with the next ``key_id``; older
    rows stay, so cards already printed keep verifying. A tombstoned key
    (``deleted``) verifies nothing any more. It reaches every device of the county,
    whatever its sites: it has no ``site_id``.
    """

    __tablename__ = "card_key"
    __table_args__ = (UniqueConstraint("county", "key_id", name="uq_card_key_county_key_id"),)

    id: str = id_field()
    key_id: int = Field(ge=1, le=65535, description="The number printed cards carry")
    county: str = Field(description="The county whose cards it signs, as Site.county names it")
    public_key: str = Field(description="Raw Ed25519 public key, base64 (44 characters)")
    created_at: NaiveDatetime = store_datetime()
    deleted: bool = False


SYNCED_TABLES: tuple[type[SQLModel], ...] = (
    Site,
    StaffMember,
    Person,
    PersonEvent,
    Visit,
    Consultation,
    VolunteerTeam,
    TeamMember,
    ServiceActivity,
    RecordAmendment,
    CardKey,
)
"""Tables replicated with headquarters, parents before children."""
