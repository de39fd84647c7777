"""The console's pages (GET): overview, overdue list and its export, persons, a
person's file, visits, devices, conflicts, rejected changes, reports, audit.

Each page needs a live admin session (:func:`fieldkit.console.web.who`). Reads of
several statements run in one snapshot (:func:`sync.server.db.read_snapshot`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection, select

from fieldkit.console import audit, records
from fieldkit.console.chart import weekly_visits_svg
from fieldkit.console.export import overdue_workbook
from fieldkit.console.figures import (
    OVERVIEW_KINDS,
    Overview,
    Quarter,
    due_view,
    overdue_tasks,
    overview,
)
from fieldkit.console.web import (
    Who,
    client_address,
    console,
    language,
    render,
    translator,
    vocab,
    who,
)
from fieldkit.domain.careplan import Task, TaskKind, kind_label
from fieldkit.domain.vocab import Tier
from fieldkit.i18n import N_
from fieldkit.sync_schema import ROLES
from sync.server import tables as t
from sync.server.admin import list_conflicts, list_devices, scope_labels
from sync.server.auth import scope_from_text
from sync.server.db import read_snapshot, write_begin

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@contextmanager
def _reading(request: Request) -> Iterator[Connection]:
    with read_snapshot(console(request).engine) as conn, conn.begin():
        yield conn


def _page(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(1, int(raw)) if raw.isdecimal() and len(raw) < 7 else 1


def _listing(total: int, page: int, size: int, sites: list[records.SiteInfo]) -> dict[str, Any]:
    """What every paged list shows besides its rows: counts, pages, the sites' names."""
    return {
        "total": total,
        "page": page,
        "pages": max(1, -(-total // size)),
        "sites": sites,
        "site_names": {s.id: s.name for s in sites},
    }


def _quarter(request: Request) -> Quarter:
    raw = request.query_params.get("quarter", "")
    return Quarter.parse(raw) or Quarter.of(console(request).settings.today())


class _Bad(ValueError):
    """A filter value the page does not know."""


def _choice(request: Request, name: str, kind: type[Any]) -> Any:
    raw = request.query_params.get(name, "")
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError as err:
        raise _Bad(f"{name}={raw}") from err


def _unknown_filter(request: Request, user: Who, err: _Bad) -> Response:
    return render(
        request,
        "message.html",
        400,
        user=user,
        title=N_("Unknown filter"),
        kind="error",
        detail=str(err),
    )


@router.get("/")
def overview_page(request: Request) -> Response:
    """Per site: persons, visits and money this quarter, what is due; the weekly chart."""
    user = who(request)
    c = console(request)
    quarter = _quarter(request)
    with _reading(request) as conn:
        figures = overview(conn, c.settings.today(), quarter, c.policy)
    _ = translator(language(request)).gettext
    chart = weekly_visits_svg(
        _("Visits per week by site"), figures.weeks, chart_series(figures, _("Other sites"))
    )
    return render(
        request, "overview.html", user=user, figures=figures, kinds=OVERVIEW_KINDS, chart=chart
    )


CHART_SITES = 8
"""Sites drawn as their own line; the rest are summed as one (a city has hundreds)."""


def chart_series(figures: Overview, others: str) -> list[tuple[str, list[int]]]:
    """The chart's lines: the busiest sites of the quarter, then the others summed."""
    ranked = sorted(figures.lines, key=lambda line: (-line.visits, line.name))
    series = [(line.name, figures.weekly.get(line.site_id, [])) for line in ranked[:CHART_SITES]]
    rest = ranked[CHART_SITES:]
    if rest:
        summed = [0] * len(figures.weeks)
        for line in rest:
            for i, n in enumerate(figures.weekly.get(line.site_id, [])):
                summed[i] += n
        series.append((f"{others} ({len(rest)})", summed))
    return series


def _overdue_filters(request: Request) -> dict[str, Any]:
    return {
        "site": request.query_params.get("site") or None,
        "tier": _choice(request, "tier", Tier),
        "kind": _choice(request, "kind", TaskKind),
        "include_upcoming": request.query_params.get("when") == "all",
    }


def _overdue(request: Request) -> tuple[list[Task], dict[str, Any], Any]:
    c = console(request)
    filters = _overdue_filters(request)
    with _reading(request) as conn:
        view = due_view(conn, c.settings.today(), c.policy)
        sites = records.sites(conn)
    return overdue_tasks(view, **filters), {"sites": sites, **filters}, view


@router.get("/overdue")
def overdue_page(request: Request) -> Response:
    """Due and overdue visits at every site (filter by site, tier, kind), most urgent first."""
    user = who(request)
    try:
        tasks, ctx, view = _overdue(request)
    except _Bad as err:
        return _unknown_filter(request, user, err)
    size = console(request).settings.page_size
    page = _page(request)
    return render(
        request,
        "overdue.html",
        user=user,
        tasks=tasks[(page - 1) * size : page * size],
        total=len(tasks),
        page=page,
        pages=max(1, -(-len(tasks) // size)),
        on=view.on,
        tiers=view.tiers,
        site_names=view.site_names,
        all_tiers=list(Tier),
        all_kinds=list(TaskKind),
        **ctx,
    )


@router.get("/overdue.xlsx")
def overdue_export(request: Request) -> Response:
    """The filtered overdue list as an XLSX file (recorded in the audit)."""
    user = who(request)
    try:
        tasks, _filters, view = _overdue(request)
    except _Bad as err:
        return _unknown_filter(request, user, err)
    lang = language(request)
    _ = translator(lang).gettext
    headers = [
        _("Site"),
        _("Code"),
        _("Name"),
        _("Tier"),
        _("Kind"),
        _("Due"),
        _("Days overdue"),
        _("Why"),
        _("Address"),
    ]
    rows = [
        [
            view.site_names.get(task.site_id, task.site_id),
            task.person_code,
            task.person_name,
            vocab("tier", view.tiers.get(task.person_id), lang),
            kind_label(task.kind, lang),
            task.due.isoformat(),
            max(0, (view.on - task.due).days),
            task.why(lang),
            task.address,
        ]
        for task in tasks
    ]
    body = overdue_workbook(_("Overdue visits"), headers, rows, view.on)
    detail = " ".join(f"{k}={v}" for k, v in request.query_params.items()) or "all"
    with write_begin(console(request).engine) as conn:
        audit.record(
            conn,
            user.name,
            "export",
            f"overdue.xlsx {len(rows)} rows ({detail})",
            client_address(request),
        )
    name = f"overdue-{view.on.isoformat()}.xlsx"
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/persons")
def persons_page(request: Request) -> Response:
    """Persons (by site, by name or code), a page at a time."""
    user = who(request)
    size = console(request).settings.page_size
    page = _page(request)
    site = request.query_params.get("site") or None
    search = request.query_params.get("q", "")[:100]
    with _reading(request) as conn:
        rows, total = records.persons_page(
            conn, site=site, search=search, offset=(page - 1) * size, limit=size
        )
        sites = records.sites(conn)
    return render(
        request,
        "persons.html",
        user=user,
        rows=rows,
        site=site,
        search=search,
        **_listing(total, page, size, sites),
    )


@router.get("/persons/{person_id}")
def person_page(request: Request, person_id: str) -> Response:
    """A person's file and timeline, read-only, with who recorded what and when."""
    user = who(request)
    with _reading(request) as conn:
        found = records.person_file(conn, person_id[:64])
        entries = records.timeline(conn, person_id[:64]) if found else []
        site_names = {s.id: s.name for s in records.sites(conn)}
    if found is None:
        return render(
            request,
            "message.html",
            404,
            user=user,
            title=N_("No such person"),
            kind="error",
            detail=person_id[:64],
        )
    return render(
        request, "person.html", user=user, person=found, entries=entries, site_names=site_names
    )


@router.get("/visits")
def visits_page(request: Request) -> Response:
    """The visits of a quarter (at a site), newest first, with the money handed over."""
    user = who(request)
    size = console(request).settings.page_size
    page = _page(request)
    quarter = _quarter(request)
    site = request.query_params.get("site") or None
    with _reading(request) as conn:
        rows, total, money = records.visits_page(
            conn,
            site=site,
            start=quarter.start,
            end=quarter.end,
            offset=(page - 1) * size,
            limit=size,
        )
        sites = records.sites(conn)
    return render(
        request,
        "visits.html",
        user=user,
        rows=rows,
        money=money,
        site=site,
        quarter=quarter,
        **_listing(total, page, size, sites),
    )


def _user_sites(conn: Connection, labels: dict[str, str]) -> dict[str, list[str]]:
    """Each user's sites by name (``["*"]`` for a role that sees every site)."""
    out = {}
    for row in conn.execute(select(t.user.c.name, t.user.c.role, t.user.c.scope)):
        role = ROLES.get(row.role)
        scope = None if role is None else scope_from_text(role, row.scope)
        out[row.name] = ["*"] if scope is None else sorted(labels.get(s, s) for s in scope)
    return out


def devices_context(conn: Connection, request: Request) -> dict[str, Any]:
    """What the Devices page shows (also after an action on it)."""
    labels = scope_labels(conn, console(request).schema)
    devices = list_devices(conn)
    users = [row.name for row in conn.execute(select(t.user.c.name).order_by(t.user.c.name))]
    return {"devices": devices, "user_sites": _user_sites(conn, labels), "users": users}


@router.get("/devices")
def devices_page(request: Request) -> Response:
    """Devices: user, role, sites, last push and pull, revoked; revoke; enrollment codes."""
    user = who(request)
    with _reading(request) as conn:
        ctx = devices_context(conn, request)
    return render(request, "devices.html", user=user, **ctx)


def conflicts_context(conn: Connection) -> dict[str, Any]:
    """Open conflicts with the persons they concern and the devices that wrote them."""
    conflicts = list_conflicts(conn)
    devices = records.device_directory(conn)
    r = t.record.c
    ids = {c.row_id for c in conflicts}
    owners: dict[str, str] = {}
    if ids:
        for row in conn.execute(select(r.id, r.tbl, r.parent).where(r.id.in_(sorted(ids)))):
            owners[row.id] = row.id if row.tbl == "person" else str(row.parent or "")
    names: dict[str, str] = {}
    wanted = sorted(set(owners.values()) - {""})
    if wanted:
        for pid, raw in conn.execute(
            select(r.id, r.data).where(r.tbl == "person", r.id.in_(wanted))
        ):
            data = json.loads(raw)
            names[pid] = f"{data.get('name', '')} ({data.get('code', '')})"
    c = t.conflict.c
    made: dict[int, tuple[datetime | None, datetime | None]] = {}
    if conflicts:
        for cid, win, lose in conn.execute(
            select(c.id, c.winner_hlc, c.loser_hlc).where(c.id.in_([x.id for x in conflicts]))
        ):
            made[cid] = (records.hlc_time(win), records.hlc_time(lose))
    return {
        "conflicts": conflicts,
        "devices": devices,
        "owners": owners,
        "names": names,
        "made": made,
    }


@router.get("/conflicts")
def conflicts_page(request: Request) -> Response:
    """Same-field conflicts waiting for a decision: both values, who and when."""
    user = who(request)
    with _reading(request) as conn:
        ctx = conflicts_context(conn)
    return render(request, "conflicts.html", user=user, **ctx)


@router.get("/rejected")
def rejected_page(request: Request) -> Response:
    """What HQ refused and why, by device (the newest 1000)."""
    user = who(request)
    j = t.rejection.c
    with _reading(request) as conn:
        devices = records.device_directory(conn)
        rows = conn.execute(
            select(j.device_id, j.seq, j.tbl, j.row_id, j.reason, j.created_at)
            .order_by(j.created_at.desc(), j.device_id, j.seq.desc())
            .limit(1000)
        ).all()
    by_device: dict[str, list[Any]] = {}
    for row in rows:
        by_device.setdefault(row.device_id, []).append(row)
    return render(request, "rejected.html", user=user, by_device=by_device, devices=devices)


@router.get("/reports")
def reports_page(request: Request) -> Response:
    """The quarterly tables: made on laptops today; at HQ with the reports' HQ source."""
    user = who(request)
    return render(request, "reports.html", user=user, quarter=_quarter(request))


@router.get("/audit")
def audit_page(request: Request) -> Response:
    """The latest recorded actions."""
    user = who(request)
    with _reading(request) as conn:
        entries = audit.recent(conn)
    return render(request, "audit.html", user=user, entries=entries)
