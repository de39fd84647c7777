"""The quarterly report laid out as tables: Chinese titles and headers, rows, a totals row.

The XLSX, CSV and PDF writers all print these tables, so the three files say the
same thing in the same words. Headers are in Chinese: the tables are the bureau's
filed statistics (活动情况统计表), whatever the interface language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeVar

from fieldkit.domain.careplan import kind_label
from fieldkit.domain.vocab import (
    ActivityKind,
    Category,
    ConsultTopic,
    Tier,
    VisitReason,
    label,
)
from fieldkit.reports.cells import Hours, Yuan
from fieldkit.reports.model import (
    ActivitiesRow,
    CarePlanKindRow,
    CarePlanSiteRow,
    ConsultationsRow,
    MoneyRow,
    Outcomes,
    PersonsRow,
    QuarterlyReport,
    SiteRef,
    VisitsRow,
)

__all__ = [
    "ALL_SITES",
    "TOTAL",
    "Cell",
    "Table",
    "cell_text",
    "report_tables",
    "scope_line",
    "title_line",
]

Cell = str | int | Yuan | Hours | date | None
"""A table cell: text, a count, money, volunteer hours, a day, or empty."""

TOTAL = "合计"
ALL_SITES = "全部站点"
_SITE = "站点"
_NEVER = "从未走访"
R = TypeVar("R")
_MONEY_HIDDEN = "本设备为志愿者设备，不含慰问金数据；请以局机关统计为准。"


@dataclass(frozen=True, slots=True)
class Table:
    """One section of the report: its sheet name, title, headers, rows and totals row.

    ``note`` replaces the rows when the section cannot be shown (a volunteer's laptop
    holds no money figures).
    """

    sheet: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None
    note: str = ""


def cell_text(value: Cell) -> str:
    """A cell as printed: ``1234.56`` yuan, ``4.50`` hours, ``2026-11-21``, a count, text."""
    if isinstance(value, Yuan | Hours):
        return value.text()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def title_line(report: QuarterlyReport) -> str:
    """``古岚县老干部局 2026年第四季度活动情况统计表``."""
    return f"{report.bureau} {report.quarter.label()}活动情况统计表"


def scope_line(report: QuarterlyReport) -> str:
    """Where, when and on which day the tables were made."""
    q = report.quarter
    where = report.site.name if report.site is not None else ALL_SITES
    return (
        f"统计范围：{where}　统计期间：{q.start.isoformat()} 至 {q.end.isoformat()}"
        f"　制表日期：{report.made_on.isoformat()}"
    )


def _site(site: SiteRef | None) -> str:
    return TOTAL if site is None else site.name


def _labels(members: Iterable[StrEnum]) -> tuple[str, ...]:
    return tuple(label(m) for m in members)


def _section(
    rows: Sequence[R], total: R, cells: Callable[[R], tuple[Cell, ...]]
) -> tuple[tuple[tuple[Cell, ...], ...], tuple[Cell, ...]]:
    return tuple(cells(r) for r in rows), cells(total)


def _persons(r: PersonsRow) -> tuple[Cell, ...]:
    return (
        _site(r.site),
        r.served,
        *(r.by_category[c] for c in Category),
        *(r.by_tier[t] for t in Tier),
        r.new,
        r.moved,
        r.deceased,
    )


def _visits(r: VisitsRow) -> tuple[Cell, ...]:
    return (
        _site(r.site),
        *(r.by_reason[v] for v in VisitReason),
        r.visits,
        r.persons_visited,
        r.card_scanned,
    )


def _outcomes(o: Outcomes) -> tuple[Cell, ...]:
    return (o.due, o.on_time, o.late, o.missed)


def _care_site(r: CarePlanSiteRow) -> tuple[Cell, ...]:
    return (_site(r.site), *_outcomes(r.outcomes))


def _care_kind(r: CarePlanKindRow) -> tuple[Cell, ...]:
    return (TOTAL if r.kind is None else kind_label(r.kind), *_outcomes(r.outcomes))


def _money(r: MoneyRow) -> tuple[Cell, ...]:
    return (
        _site(r.site),
        *(Yuan(r.fen_by_reason[v]) for v in VisitReason),
        Yuan(r.fen),
        r.persons_given,
        r.goods_visits,
    )


def _consultations(r: ConsultationsRow) -> tuple[Cell, ...]:
    return (_site(r.site), *(r.by_topic[t] for t in ConsultTopic), r.consultations)


def _activities(r: ActivitiesRow) -> tuple[Cell, ...]:
    team = r.team
    return (
        TOTAL if team is None else team.site.name,
        "" if team is None else team.name,
        *(r.by_kind[k] for k in ActivityKind),
        r.activities,
        r.volunteer_times,
        r.people_reached,
        Hours(r.volunteer_minutes),
    )


_OUTCOME_HEADERS = ("应访次数", "按时完成", "逾期完成", "未完成")


def report_tables(report: QuarterlyReport) -> list[Table]:
    """The report's sections as tables, in the order they are printed."""
    tables: list[Table] = []
    rows, total = _section(report.persons.rows, report.persons.total, _persons)
    tables.append(
        Table(
            "服务对象",
            "一、服务对象情况",
            (
                _SITE, "服务对象", *_labels(Category), *_labels(Tier),
                "本季新建档", "本季迁出", "本季去世",
            ),
            rows,
            total,
        )
    )  # fmt: skip
    rows, total = _section(report.visits.rows, report.visits.total, _visits)
    tables.append(
        Table(
            "走访情况",
            "二、走访情况（次）",
            (_SITE, *_labels(VisitReason), "走访合计", "走访人数", "扫码确认"),
            rows,
            total,
        )
    )
    rows, total = _section(report.care_by_site.rows, report.care_by_site.total, _care_site)
    tables.append(
        Table("一人一策按站点", "三、一人一策应访完成情况（按站点）", (_SITE, *_OUTCOME_HEADERS),
              rows, total)
    )  # fmt: skip
    rows, total = _section(report.care_by_kind.rows, report.care_by_kind.total, _care_kind)
    tables.append(
        Table("一人一策按事项", "四、一人一策应访完成情况（按事项）", ("事项", *_OUTCOME_HEADERS),
              rows, total)
    )  # fmt: skip
    named = tuple(
        (r.site.name, r.code, r.name, r.address, r.phone, r.last_visit or _NEVER)
        for r in report.unvisited
    )
    tables.append(
        Table(
            "安置点未访",
            "五、安置点居民 12 个月内未走访名单",
            (_SITE, "编号", "姓名", "地址", "电话", "最近走访"),
            named,
            (TOTAL, f"{len(named)} 人", None, None, None, None),
        )
    )
    rows, total = _section(report.money.rows, report.money.total, _money)
    tables.append(
        Table(
            "慰问金物资",
            "六、慰问金及物资发放情况（元）",
            (
                _SITE, *(f"{label(v)}" for v in VisitReason), "金额合计",
                "慰问人数", "送物资次数",
            ),
            () if report.money_hidden else rows,
            None if report.money_hidden else total,
            _MONEY_HIDDEN if report.money_hidden else "",
        )
    )  # fmt: skip
    rows, total = _section(report.consultations.rows, report.consultations.total, _consultations)
    tables.append(
        Table(
            "咨询服务",
            "七、咨询服务情况（次）",
            (_SITE, *_labels(ConsultTopic), "咨询合计"),
            rows,
            total,
        )
    )
    rows, total = _section(report.activities.rows, report.activities.total, _activities)
    tables.append(
        Table(
            "志愿服务",
            "八、志愿服务活动情况",
            (
                _SITE, "队伍", *_labels(ActivityKind), "活动合计", "志愿者人次",
                "受益群众人次", "服务时长（小时）",
            ),
            rows,
            total,
        )
    )  # fmt: skip
    return tables
