"""Names are found by every reading: surname readings (曾 zeng) and heteronyms."""

from __future__ import annotations

import pytest

from fieldkit.domain.search_keys import MAX_READINGS, name_keys, name_readings


@pytest.mark.parametrize(
    ("name", "primary", "also"),
    [
        ("曾建建", ("zengjianjian", "zjj"), ("cengjianjian", "cjj")),
        ("单田芳", ("shantianfang", "stf"), ("dantianfang", "dtf")),
        ("仇英", ("qiuying", "qy"), ("chouying", "cy")),
        ("解放", ("xiefang", "xf"), ("jiefang", "jf")),
        ("区志强", ("ouzhiqiang", "ozq"), ("quzhiqiang", "qzq")),
        ("朴正义", ("piaozhengyi", "pzy"), ("puzhengyi", "pzy")),
        ("查良镛", ("zhaliangyong", "zly"), ("chaliangyong", "cly")),
        ("盖叫天", ("gejiaotian", "gjt"), ("gaijiaotian", "gjt")),
        ("尉迟恭", ("yuchigong", "ycg"), ("weichigong", "wcg")),
    ],
)
def test_surnames_are_found_by_their_surname_and_common_readings(
    name: str, primary: tuple[str, str], also: tuple[str, str]
) -> None:
    readings = name_readings(name)
    assert readings[0] == primary
    assert name_keys(name) == primary
    assert also in readings


def test_every_heteronym_of_a_given_name_matches() -> None:
    readings = name_readings("李长乐")
    assert readings[0] == ("lichangle", "lcl")
    assert {("lizhangle", "lzl"), ("lichangyue", "lcy"), ("lizhangyue", "lzy")} <= set(readings)


def test_common_reading_of_a_given_name_follows_its_phrase() -> None:
    assert name_keys("张三丰") == ("zhangsanfeng", "zsf")
    assert name_readings("李长春")[0] == ("lichangchun", "lcc")


def test_readings_are_bounded_and_unique() -> None:
    readings = name_readings("覃重行长乐")
    assert len(readings) == MAX_READINGS
    assert len(set(readings)) == len(readings)


def test_text_that_is_not_chinese_is_kept_as_one_word() -> None:
    assert name_readings("Tom李") == (("tomli", "tl"),)
    assert name_keys("李 Tom") == ("litom", "lt")
    assert name_readings("") == (("", ""),)
