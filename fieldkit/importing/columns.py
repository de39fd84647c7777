"""The columns of the roster and visits files: Chinese headers, English ones, aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fieldkit.i18n import N_
from fieldkit.importing.problems import Problem
from fieldkit.importing.sheet import Row

__all__ = ["ROSTER_COLUMNS", "VISIT_COLUMNS", "Column", "expected", "header_index", "map_header"]


@dataclass(frozen=True, slots=True)
class Column:
    """A column an import understands: its key (= English header), Chinese header, aliases."""

    key: str
    zh: str
    required: bool = False
    aliases: tuple[str, ...] = ()


ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("code", "编号", True, ("人员编号", "档案编号")),
    Column("name", "姓名", True),
    Column("sex", "性别", True),
    Column("birth_date", "出生日期", True, ("出生年月", "出生年月日", "birthdate", "birthday")),
    Column("category", "类别", True, ("人员类别",)),
    Column("former_unit", "原单位", False, ("原工作单位", "工作单位", "unit")),
    Column("site", "站点", True, ("所在站点", "安置点")),
    Column("address", "地址", False, ("住址", "家庭住址", "现住址")),
    Column("phone", "电话", False, ("联系电话", "手机", "手机号")),
    Column("tier", "关注等级", False, ("等级",)),
    Column("lives_alone", "独居", False, ("是否独居",)),
    Column("hardship", "特殊困难", False, ("是否特殊困难", "困难")),
    Column("party_member", "党员", False, ("是否党员",)),
    Column("party_year", "入党年份", False, ("入党时间", "入党年度")),
    Column("notes", "备注", False, ("note",)),
    Column("health", "健康状况", False, ("身心状况", "健康")),
    Column("family", "家庭情况", False, ("家庭状况",)),
    Column("skills", "特长", False, ("技能", "专长", "人才库特长")),
    Column("id_number", "身份证号", False, ("身份证号码", "公民身份号码")),
)
"""Roster columns in the order bureaus keep them; ``required`` ones must be present."""

VISIT_COLUMNS: tuple[Column, ...] = (
    Column("code", "编号", True, ("人员编号", "person_code")),
    Column("date", "日期", True, ("走访日期", "visit_date")),
    Column("reason", "走访类型", True, ("类型", "type")),
    Column("visitors", "走访人", True, ("走访人员",)),
    Column("money", "慰问金", False, ("慰问金（元）", "慰问金(元)", "money_yuan", "amount")),
    Column("needs", "问需", False, ("需求",)),
    Column("services", "服务内容", False, ("服务",)),
    Column("notes", "备注", False, ("note",)),
)
"""Columns of paper visits; money is in yuan."""

_IGNORED = {"序号", "no", "no.", "#", "序"}


def _fold(text: str) -> str:
    folded = re.sub(r"[\s\u3000]+", "", text).lower().replace("-", "_")
    return folded.replace("（", "(").replace("）", ")")


def _names(columns: tuple[Column, ...]) -> dict[str, Column]:
    names: dict[str, Column] = {}
    for column in columns:
        for name in (column.key, column.zh, *column.aliases):
            names[_fold(name)] = column
        names[_fold(column.key.replace("_", " "))] = column
    return names


def header_index(head: list[Row], columns: tuple[Column, ...]) -> int:
    """Which of the first non-empty rows is the header: the first naming two known columns.

    Bureau spreadsheets often open with a title row (``古岚县离退休干部花名册``) or a
    note above the header; those rows are skipped (0 when no row qualifies: the
    first row is then the header, and its problems are named). Line numbers stay
    as they were.
    """
    names = _names(columns)
    for i, (_line, cells) in enumerate(head):
        if sum(1 for cell in cells if _fold(cell) in names) >= 2:
            return i
    return 0


def expected(columns: tuple[Column, ...]) -> dict[str, object]:
    """The accepted headers, as the parameters of the "expected headers" problem."""
    return {
        "zh": ", ".join(c.zh + ("" if c.required else "?") for c in columns),
        "en": ", ".join(c.key for c in columns),
    }


def map_header(
    line: int, header: list[str], columns: tuple[Column, ...]
) -> tuple[dict[str, int], list[Problem]]:
    """Which cell holds each column, and the problems of the header row (on ``line``)."""
    names = _names(columns)
    found: dict[str, int] = {}
    problems: list[Problem] = []
    for index, cell in enumerate(header):
        folded = _fold(cell)
        if not folded or folded in _IGNORED:
            continue
        known = names.get(folded)
        if known is None:
            problems.append(Problem(line, N_("unknown column '{cell}'"), params={"cell": cell}))
        elif known.key in found:
            problems.append(
                Problem(line, N_("column '{cell}' appears twice"), params={"cell": cell})
            )
        else:
            found[known.key] = index
    missing = [c.zh for c in columns if c.required and c.key not in found]
    if missing:
        message = (
            N_("missing columns {names}") if len(missing) > 1 else N_("missing column {names}")
        )
        problems.append(Problem(line, message, params={"names": ", ".join(missing)}))
    if problems:
        problems.append(
            Problem(
                line,
                N_("expected headers: {zh} (? = optional; English headers also accepted: {en})"),
                params=expected(columns),
            )
        )
    return found, problems
