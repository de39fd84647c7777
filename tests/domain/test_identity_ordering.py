"""ID-card numbers, phones, money as people type it, and the natural order of addresses."""

from __future__ import annotations

from datetime import date

import pytest

from fieldkit.domain.identity import IdentityError, check_id_number, check_phone
from fieldkit.domain.money import MAX_FEN, MoneyError, parse_yuan
from fieldkit.domain.ordering import address_key, chinese_number

# 11010519491231002X is the standard's own worked example (born 1949-12-31).
GOOD_ID = "11010519491231002X"


def _with_check(first17: str) -> str:
    """Complete 17 digits with their right check character (ISO 7064 MOD 11-2)."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]
    )


def test_id_number_with_a_right_check_character_is_accepted_and_normalised() -> None:
    assert check_id_number(GOOD_ID) == GOOD_ID
    assert check_id_number("11010519491231002x") == GOOD_ID
    assert check_id_number("１１０１０５１９４９１２３１００２Ｘ") == GOOD_ID
    assert check_id_number(GOOD_ID, date(1949, 12, 31)) == GOOD_ID
    assert check_id_number("  ") == ""


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("110105194912310021", "wrong check character"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100２X1", "18 characters"),
        (_with_check("11010519491331002"), "real birth date"),
        ("٠١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "18 characters"),
    ],
)
def test_bad_id_numbers_say_why(raw: str, words: str) -> None:
    with pytest.raises(IdentityError) as err:
        check_id_number(raw)
    assert words in str(err.value)
    assert err.value.params["raw"] == raw


def test_id_number_whose_birth_date_differs_from_the_person_is_refused() -> None:
    with pytest.raises(IdentityError) as err:
        check_id_number(GOOD_ID, date(1950, 1, 1))
    assert err.value.params == {"raw": GOOD_ID, "id_date": "1949-12-31", "birth": "1950-01-01"}


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13800001234", "13800001234"),
        ("138 0000 1234", "13800001234"),
        ("138-0000-1234", "13800001234"),
        ("１３８００００１２３４", "13800001234"),
        ("0834-2345678", "0834-2345678"),
        ("08342345678", "0834-2345678"),
        ("010 87654321", "010-87654321"),
        ("0834-2345678-802", "0834-2345678-802"),
        ("0834-2345678转802", "0834-2345678-802"),
        ("", ""),
    ],
)
def test_phones_people_write_are_accepted(raw: str, normal: str) -> None:
    assert check_phone(raw) == normal


@pytest.mark.parametrize(
    "raw",
    ["13800001234x", "1380000123", "12800001234", "1234567", "0834-123", "0834-1234567", "phone"],
)
def test_bad_phones_are_refused(raw: str) -> None:
    with pytest.raises(IdentityError) as err:
        check_phone(raw)
    assert err.value.params["raw"] == raw


@pytest.mark.parametrize(
    ("raw", "fen"),
    [
        ("500", 50000),
        ("500.5", 50050),
        ("0.05", 5),
        ("1,200.05", 120005),
        ("¥300", 30000),
        ("￥ 300", 30000),
        ("300元", 30000),
        ("５００", 50000),
        ("５００．５０元", 50050),
        ("", 0),
    ],
)
def test_what_a_person_types_for_yuan_is_accepted(raw: str, fen: int) -> None:
    assert parse_yuan(raw) == fen


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("1e9", "not an amount"),
        ("1E3", "not an amount"),
        ("1_000", "not an amount"),
        ("-1", "negative"),
        ("+5", "not an amount"),
        ("1.234", "more than two decimals"),
        ("abc", "not an amount"),
        ("NaN", "not an amount"),
        ("inf", "not an amount"),
        ("1,00", "not an amount"),
        ("٥٠٠", "not an amount"),
        ("00500", "not an amount"),
    ],
)
def test_money_that_is_not_yuan_is_refused_with_the_reason(raw: str, words: str) -> None:
    with pytest.raises(MoneyError) as err:
        parse_yuan(raw)
    assert words in str(err.value)


def test_money_above_the_maximum_is_refused_naming_the_limit() -> None:
    assert parse_yuan("1000000") == MAX_FEN
    with pytest.raises(MoneyError) as err:
        parse_yuan("1000000.01")
    assert err.value.params["limit"] == "1000000.00"
    with pytest.raises(MoneyError):
        parse_yuan("600", max_fen=50_000)
    with pytest.raises(MoneyError):
        parse_yuan("9223372036854775807")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("一百零五", 105),
        ("二〇二", 202),
        ("三", 3),
        ("两千", 2000),
        ("一万二千", 12000),
    ],
)
def test_chinese_numerals_read_as_numbers(text: str, value: int) -> None:
    assert chinese_number(text) == value


def test_addresses_sort_in_natural_order() -> None:
    addresses = [
        "三组51号",
        "一组",
        "七组",
        "三组6号",
        "二组",
        "十二组1号",
        "十组",
        "3组7号",
        "安置点B栋",
    ]
    assert sorted(addresses, key=address_key) == [
        "一组",
        "二组",
        "三组6号",
        "3组7号",
        "三组51号",
        "七组",
        "十组",
        "十二组1号",
        "安置点B栋",
    ]
