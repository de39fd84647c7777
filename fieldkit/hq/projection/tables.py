"""The typed projection at headquarters: what the quarterly tables read, in typed columns.

HQ keeps every synced record as JSON text in ``sync_record``; these tables hold a
typed copy of just the columns :class:`fieldkit.reports.source.ReportSource`
reads, kept current in the transaction of every write (:mod:`.keep`) and rebuilt
from ``sync_record`` on demand (:mod:`.rebuild`). Times are timestamps without a
zone, dates are dates, money whole fen; slugs stay text.

Sites and teams keep their tombstoned rows (flagged ``deleted``: a report lists a
site that closed during the year); every other table holds live rows only, so a
report never filters on a tombstone. A visit's three yes/no facts the report
counts are stored as flags made once, when the visit arrives: ``card_scanned``
(confirmed by scanning the card), ``goods_given`` (goods handed over) and
``follow_up_owed`` (a follow-up written or dated).

The site of a person's visit, event or consultation is the person's current
site: HQ moves a person's history with them (``SCOPE_PARENTS``), so ``site_id``
here is already the site the laptops file it under.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
    true,
)

__all__ = [
    "VERSION_TABLE",
    "activity",
    "consultation",
    "event",
    "metadata",
    "person",
    "site",
    "team",
    "visit",
    "visit_day",
    "visit_quarter",
    "visit_reach",
    "visit_reach_site",
    "visit_summary",
]

VERSION_TABLE = "fieldkit_hq_alembic_version"
"""Alembic's version table of the projection (the sync server keeps its own)."""

metadata = MetaData()


def _id() -> Column[str]:
    return Column("id", String(64), primary_key=True)


def _ref(name: str, nullable: bool = False) -> Column[str]:
    return Column(name, String(64), nullable=nullable)


def _slug(name: str) -> Column[str]:
    return Column(name, String(32), nullable=False)


site = Table(
    "report_site",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    _slug("kind"),
    Column("county", Text, nullable=False),
    Column("deleted", Boolean, nullable=False),
)

team = Table(
    "report_team",
    metadata,
    _id(),
    Column("name", Text, nullable=False),
    _ref("site_id"),
    Column("deleted", Boolean, nullable=False),
    Index("ix_report_team_site", "site_id"),
)

person = Table(
    "report_person",
    metadata,
    _id(),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    _ref("site_id"),
    Column("address", Text, nullable=False),
    Column("phone", Text, nullable=False),
    _slug("category"),
    _slug("tier"),
    _slug("status"),
    Column("birth_date", Date),
    Column("never_visited", Boolean, nullable=False, server_default=true()),
    Index("ix_report_person_site", "site_id"),
    Index("ix_report_person_never_visited", "never_visited"),
)
"""``never_visited``: no ``report_visit_summary`` row (no live visit), kept with the
summaries (:mod:`.summary`, migration h0006); a new row is marked until its summary is
looked at."""

event = Table(
    "report_event",
    metadata,
    _id(),
    _ref("person_id"),
    _slug("kind"),
    Column("happened_on", Date, nullable=False),
    Index("ix_report_event_person", "person_id"),
)

visit = Table(
    "report_visit",
    metadata,
    _id(),
    _ref("person_id"),
    _ref("site_id"),
    _slug("reason"),
    Column("visited_at", DateTime(timezone=False), nullable=False),
    Column("card_scanned", Boolean, nullable=False),
    Column("money_fen", BigInteger, nullable=False),
    Column("goods_given", Boolean, nullable=False),
    Column("follow_up_owed", Boolean, nullable=False),
    Column("follow_up_due", Date),
    Index("ix_report_visit_time", "visited_at"),
    Index("ix_report_visit_person_time", "person_id", "visited_at"),
)

consultation = Table(
    "report_consultation",
    metadata,
    _id(),
    _ref("site_id"),
    _ref("person_id", nullable=True),
    _slug("topic"),
    Column("held_on", Date, nullable=False),
    Index("ix_report_consultation_held", "held_on"),
)

activity = Table(
    "report_activity",
    metadata,
    _id(),
    _ref("team_id"),
    _slug("kind"),
    Column("held_on", Date, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("attendee_count", Integer, nullable=False),
    Column("people_reached", Integer, nullable=False),
    Index("ix_report_activity_held", "held_on"),
)

# What the live visits add up to, kept by the push hook beside the visits (:mod:`.summary`).

visit_summary = Table(
    "report_visit_summary",
    metadata,
    Column("person_id", String(64), primary_key=True),
    Column("last_at", DateTime(timezone=False), nullable=False),
    Column("follow_up_id", String(64)),
    Column("follow_up_due", Date),
    Column("follow_up_text", Text),
    Column("festival_at", DateTime(timezone=False)),
    Column("hospital_at", DateTime(timezone=False)),
    Column("birthday_at", DateTime(timezone=False)),
    Column("misfortune_at", DateTime(timezone=False)),
    Column("condolence_at", DateTime(timezone=False)),
    Column("site_id", String(64)),
    Column("name", Text),
    Column("code", Text),
    Column("address", Text),
    Column("category", String(32)),
    Column("tier", String(32)),
    Column("status", String(32)),
    Column("birth_date", Date),
    Index("ix_report_visit_summary_tier_last", "tier", "last_at"),
    Index("ix_report_visit_summary_site_last", "site_id", "last_at"),
    Index("ix_report_visit_summary_birth", "birth_date"),
    Index(
        "ix_report_visit_summary_follow_up",
        "follow_up_due",
        postgresql_where=text("follow_up_id IS NOT NULL"),
        sqlite_where=text("follow_up_id IS NOT NULL"),
    ),
)
"""Per person with a live visit: the latest visit's time, the follow-up owed on it (the
greatest id among the visits at that time that owe one: its id, due day and text, or
NULLs), and the latest time per must-visit reason (NULL: never); and copies of the
person's columns the console's care facts read (NULL while the person is not in
``report_person``), kept with the person (migration h0006): the console reads most of
its candidates as index ranges of this table alone (:mod:`fieldkit.console.candidates`)."""

visit_day = Table(
    "report_visit_day",
    metadata,
    Column("day", Date, primary_key=True),
    Column("site_id", String(64), primary_key=True),
    Column("visits", Integer, nullable=False),
    Column("money_fen", BigInteger, nullable=False),
)
"""Per day and site with a live visit: the visits and the money handed over."""

visit_quarter = Table(
    "report_visit_quarter",
    metadata,
    Column("quarter", String(8), primary_key=True),
    Column("site_id", String(64), primary_key=True),
    Column("reason", String(32), primary_key=True),
    Column("visits", Integer, nullable=False),
    Column("scanned", Integer, nullable=False),
    Column("money_fen", BigInteger, nullable=False),
    Column("goods", Integer, nullable=False),
)
"""Per quarter (``2026Q3``), site and reason with a live visit: the visits, those
confirmed by a card scan, the money handed over and those with goods."""

visit_reach = Table(
    "report_visit_reach",
    metadata,
    Column("quarter", String(8), primary_key=True),
    Column("site_id", String(64), primary_key=True),
    Column("person_id", String(64), primary_key=True),
    Column("visits", Integer, nullable=False),
    Column("given", Integer, nullable=False),
)
"""Per quarter, site and person with a live visit: the visits, and those that handed
over money or goods."""

visit_reach_site = Table(
    "report_visit_reach_site",
    metadata,
    Column("quarter", String(8), primary_key=True),
    Column("site_id", String(64), primary_key=True),
    Column("persons", Integer, nullable=False),
    Column("given", Integer, nullable=False),
)
"""Per quarter and site with a live visit: the persons visited and those handed money or
goods (``report_visit_reach``'s rows counted, migration h0005)."""
