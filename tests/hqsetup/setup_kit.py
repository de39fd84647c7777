"""Helpers of the HQ set-up tests: a roster file and what a laptop store holds."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlmodel import select

from fieldkit.domain.models import Person, Site
from fieldkit.store import Store
from fieldkit.store.wire import to_wire

__all__ = ["ROSTER", "laptop_persons", "laptop_sites", "roster_file"]

HEADER = (
    "编号", "姓名", "性别", "出生日期", "类别", "原单位", "站点", "地址", "电话", "关注等级",
    "独居", "特殊困难", "党员", "入党年份", "备注",
)  # fmt: skip

ROSTER: list[tuple[str, ...]] = [
    ("DS-001", "张桂兰", "女", "1938-02-11", "离休", "县粮食局", "东山安置点", "安置点3栋2单元",
     "13800000001", "重点关注", "是", "否", "是", "1956", "耳背，需大声"),
    ("DS-002", "李建国", "男", "1949/10/01", "退休", "县第一中学", "东山安置点", "安置点5栋1单元",
     "", "定期关注", "否", "是", "否", "", ""),
    ("DS-003", "王秀英", "女", "19520708", "遗孀", "", "东山安置点", "安置点1栋", "0834-5550123",
     "日常跟踪", "是", "是", "否", "", "子女在外地"),
    ("XL-001", "赵德明", "男", "1944-12-30", "离休", "县水利局", "西岭村", "西岭村二组",
     "13900000002", "重点关注", "否", "否", "是", "1965", ""),
    ("XL-002", "孙玉珍", "女", "1947.03.15", "退休", "乡卫生院", "西岭村", "西岭村五组", "",
     "日常跟踪", "否", "否", "否", "", ""),
]  # fmt: skip
"""A bureau roster: three persons at a relocation site, two in a village."""

EXPECTED: dict[str, dict[str, Any]] = {
    "DS-001": {"name": "张桂兰", "sex": "female", "birth_date": "1938-02-11",
               "category": "lixiu", "former_unit": "县粮食局", "address": "安置点3栋2单元",
               "phone": "13800000001", "tier": "key", "lives_alone": True, "hardship": False,
               "party_member": True, "party_year": 1956, "notes": "耳背，需大声"},
    "DS-002": {"name": "李建国", "sex": "male", "birth_date": "1949-10-01",
               "category": "retired", "former_unit": "县第一中学", "address": "安置点5栋1单元",
               "phone": "", "tier": "periodic", "lives_alone": False, "hardship": True,
               "party_member": False, "party_year": None, "notes": ""},
    "DS-003": {"name": "王秀英", "sex": "female", "birth_date": "1952-07-08",
               "category": "widow", "former_unit": "", "address": "安置点1栋",
               "phone": "0834-5550123", "tier": "routine", "lives_alone": True, "hardship": True,
               "party_member": False, "party_year": None, "notes": "子女在外地"},
}  # fmt: skip
"""The fields the relocation site's persons must have on a laptop, in wire form."""


def roster_file(path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER) -> Path:
    """The roster as a UTF-8 CSV with BOM, as a bureau saves it from Excel."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def laptop_persons(path: Path) -> dict[str, dict[str, Any]]:
    """Code -> every compared field (wire form) and the site's name, of a laptop's persons."""
    store = Store(path)
    try:
        with store.read() as s:
            sites = {site.id: site.name for site in s.exec(select(Site))}
            return {
                p.code: {
                    **{key: to_wire(getattr(p, key)) for key in EXPECTED["DS-001"]},
                    "site": sites.get(p.site_id, "?"),
                    "deleted": p.deleted,
                }
                for p in s.exec(select(Person))
            }
    finally:
        store.close()


def laptop_sites(path: Path) -> dict[str, str]:
    """Site name -> kind of a laptop's sites."""
    store = Store(path)
    try:
        with store.read() as s:
            return {site.name: site.kind.value for site in s.exec(select(Site))}
    finally:
        store.close()
