"""Vocabularies, money parsing and pinyin search keys."""

from __future__ import annotations

import pytest

from fieldkit.domain.money import MoneyError, format_yuan, parse_yuan
from fieldkit.domain.search_keys import name_keys
from fieldkit.domain.vocab import Category, Tier, VisitReason, VocabError, label, parse, parse_bool


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("离休", Category.LIXIU),
        ("lixiu", Category.LIXIU),
        (" Retired ", Category.RETIRED),
        ("遗孀", Category.WIDOW),
        ("resident", Category.RESIDENT),
    ],
)
def test_category_accepts_chinese_slug_and_alias(raw: str, expected: Category) -> None:
    assert parse(Category, raw) is expected


def test_unknown_value_lists_the_accepted_ones() -> None:
    with pytest.raises(VocabError) as err:
        parse(Tier, "urgent")
    message = str(err.value)
    assert "'urgent'" in message
    for zh in ("重点关注", "定期关注", "日常跟踪"):
        assert zh in message


def test_every_visit_reason_round_trips_through_its_label() -> None:
    for reason in VisitReason:
        assert parse(VisitReason, label(reason)) is reason
        assert parse(VisitReason, reason.value) is reason


@pytest.mark.parametrize(
    ("raw", "value"), [("是", True), ("否", False), ("1", True), ("no", False), ("", False)]
)
def test_yes_no_cells(raw: str, value: bool) -> None:
    assert parse_bool(raw) is value


def test_bad_yes_no_cell() -> None:
    with pytest.raises(VocabError, match="是"):
        parse_bool("maybe")


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        ("500", 50000),
        ("500.5", 50050),
        ("1,200.05", 120005),
        ("¥300", 30000),
        ("300元", 30000),
        ("", 0),
    ],
)
def test_yuan_to_fen(raw: str, fen: int) -> None:
    assert parse_yuan(raw) == fen


@pytest.mark.parametrize("raw", ["-1", "1.234", "abc", "NaN", "inf"])
def test_bad_money_is_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(MoneyError):
        parse_yuan(raw)


def test_format_yuan() -> None:
    assert format_yuan(123456) == "1234.56"
    assert format_yuan(5) == "0.05"


def test_pinyin_keys() -> None:
    assert name_keys("张三丰") == ("zhangsanfeng", "zsf")
    assert name_keys("吕长春")[1] == "lcc"
