"""fieldkit's synced tables and roles, described for the generic sync engine.

Built from :data:`fieldkit.domain.models.SYNCED_TABLES`: every synced column
travels as its wire type (dates, datetimes and enum slugs as text). A site is
its own scope key; every other table is scoped by its ``site_id``, except the
county's card keys (``card_key``), which every device receives and only
headquarters writes. Events, visits and consultations follow their person's
site, team members and activities their team's. The limits of number fields
(money at most :data:`fieldkit.domain.money.MAX_FEN`, never negative; card
issue numbers...) and the defaults of fields are the models' own, so HQ
refuses what a laptop would refuse. The schema version is a digest of the
tables and fields, so a laptop running another data model is told to upgrade.

The roles (:data:`ROLES`): an admin sees every site; staff and volunteers see
the sites HQ assigned them. Volunteers never receive a person's health notes,
ID number or family situation, nor the money handed over on visits, nor the old
and new values of such fields in a record's amendments. Amendments follow their
person and are append-only: HQ refuses a change to a stored one.
"""

from __future__ import annotations

import hashlib
from enum import Enum
from functools import lru_cache
from typing import Any

from annotated_types import Ge, Le
from pydantic_core import PydanticUndefined
from sqlalchemy import Boolean, Float, Integer
from sqlmodel import SQLModel

from fieldkit.domain.models import (
    SYNCED_TABLES,
    CardKey,
    Consultation,
    Person,
    PersonEvent,
    RecordAmendment,
    ServiceActivity,
    Site,
    TeamMember,
    Visit,
    VolunteerTeam,
)
from fieldkit.store.outbox import synced_columns
from sync.roles import Roles, RoleSpec
from sync.schema import FieldLimit, SyncSchema, TableSpec

__all__ = [
    "ADMIN",
    "APPEND_ONLY_TABLES",
    "EVERY_DEVICE_TABLES",
    "HQ_ONLY_TABLES",
    "ROLES",
    "SCOPE_FIELD",
    "SCOPE_PARENTS",
    "VOLUNTEER_HIDDEN",
    "build_schema",
    "sync_schema",
]

SCOPE_FIELD = "site_id"
"""The field holding a row's scope key: its site."""

SCOPE_PARENTS: dict[str, tuple[str, str]] = {
    str(PersonEvent.__tablename__): ("person_id", str(Person.__tablename__)),
    str(Visit.__tablename__): ("person_id", str(Person.__tablename__)),
    str(Consultation.__tablename__): ("person_id", str(Person.__tablename__)),
    str(TeamMember.__tablename__): ("team_id", str(VolunteerTeam.__tablename__)),
    str(ServiceActivity.__tablename__): ("team_id", str(VolunteerTeam.__tablename__)),
    str(RecordAmendment.__tablename__): ("person_id", str(Person.__tablename__)),
}
"""Rows that go wherever their person (or team) goes: HQ keeps their site equal to it."""

EVERY_DEVICE_TABLES: frozenset[str] = frozenset({str(CardKey.__tablename__)})
"""Tables every device receives whatever its sites: the county's card keys."""

HQ_ONLY_TABLES: frozenset[str] = frozenset({str(CardKey.__tablename__)})
"""Tables written at headquarters only (``fieldkit admin card-key``); laptops' changes
to them are rejected."""

VOLUNTEER_HIDDEN: dict[str, frozenset[str]] = {
    str(Person.__tablename__): frozenset({"health", "id_number", "family"}),
    str(Visit.__tablename__): frozenset({"money_fen"}),
    str(RecordAmendment.__tablename__): frozenset({"hidden_changes"}),
}
"""Fields a volunteer's laptop never receives, per table. An amendment keeps the old
and new values of a record's hidden fields in ``hidden_changes``, hidden likewise."""

APPEND_ONLY_TABLES: frozenset[str] = frozenset({str(RecordAmendment.__tablename__)})
"""Tables whose stored rows HQ never lets a device change: the amendment trail."""

ADMIN = "admin"
"""The role that sees every site."""

ROLES = Roles(
    (
        RoleSpec(ADMIN, everything=True, description="every site, every field"),
        RoleSpec("staff", description="the sites assigned, every field"),
        RoleSpec(
            "volunteer",
            hidden=VOLUNTEER_HIDDEN,
            description="the sites assigned, without health, ID number, family and money",
        ),
    )
)
"""fieldkit's roles, handed to the HQ server with the schema."""


def _wire_type(column: object) -> type:
    sa_type = getattr(column, "type", None)
    if isinstance(sa_type, Boolean):
        return bool
    if isinstance(sa_type, Integer):
        return int
    if isinstance(sa_type, Float):
        return float
    return str


def _limit(model: type[SQLModel], name: str) -> FieldLimit | None:
    """The range the model declares for field ``name`` (``ge``/``le``), if any."""
    low = high = None
    for item in model.model_fields[name].metadata:
        if isinstance(item, Ge):
            low = item.ge
        elif isinstance(item, Le):
            high = item.le
    return None if low is None and high is None else FieldLimit(low, high)  # type: ignore[arg-type]


def _default(model: type[SQLModel], name: str) -> Any:
    """The model's default of field ``name`` in wire form (PydanticUndefined if none)."""
    value = model.model_fields[name].default
    return value.value if isinstance(value, Enum) else value


def _spec(model: type[SQLModel]) -> TableSpec:
    name = str(model.__tablename__)
    table = SQLModel.metadata.tables[name]
    cols = synced_columns(model)
    fields = {c: _wire_type(table.columns[c]) for c in cols}
    nullable = frozenset(c for c in cols if table.columns[c].nullable)
    limits = {c: limit for c in cols if (limit := _limit(model, c)) is not None}
    defaults = {c: value for c in cols if (value := _default(model, c)) is not PydanticUndefined}
    every = name in EVERY_DEVICE_TABLES
    return TableSpec(
        name=name,
        fields=fields,
        scope_field=None if model is Site or every else SCOPE_FIELD,
        nullable=nullable,
        scope_parent=SCOPE_PARENTS.get(name),
        every_device=every,
        hq_only=name in HQ_ONLY_TABLES,
        append_only=name in APPEND_ONLY_TABLES,
        limits=limits,
        defaults=defaults,
    )


def build_schema() -> SyncSchema:
    """The sync schema of the current data model."""
    specs = tuple(_spec(m) for m in SYNCED_TABLES)
    digest = hashlib.sha256()
    for spec in specs:
        digest.update(spec.name.encode())
        for name, kind in spec.fields.items():
            digest.update(f"|{name}:{kind.__name__}".encode())
        digest.update(b"\n")
    return SyncSchema(version=f"fk-{digest.hexdigest()[:12]}", tables=specs)


@lru_cache(maxsize=1)
def sync_schema() -> SyncSchema:
    """The schema, built once per process."""
    return build_schema()
