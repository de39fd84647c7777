"""The memoised readings in context equal pypinyin's own, name by name, byte for byte."""

from __future__ import annotations

import random

from fieldkit.domain.search_keys import (
    SURNAME_READINGS,
    _common,
    _common_reference,
    _readings,
    name_keys,
    name_readings,
)
from fieldkit.sampledata import words
from fieldkit.sampledata.county import CountyGenerator

_RARE = (
    "〇",  # ling, read by pypinyin outside the main block
    "䶮",  # CJK extension A
    "𠀀",  # CJK extension B (outside the BMP)
    "㐀",
    "龘",
    "丨",
    "鿕",  # near the end of the basic block
    "燊",
    "堃",
    "珺",
    "昇",
    "犇",
)
_PHRASES = ("建国", "长春", "长乐", "重庆", "朝阳", "解放", "和平", "行长", "银行", "华山", "乐乐")
_MIXED = (
    "Tom李",
    "李 Tom",
    "李Tom华",
    "阿卜杜·热合曼",
    "玛丽·王",
    "王2号",
    "张三丰 ",
    " 曾国藩",
    "ＡＢ张",
    "李-华",
    "O'Neil",
    "欧阳Tom",
    "李〇〇",
    "王𠀀明",
    "x",
    "",
)


def _names() -> list[str]:
    """Names as a county's roster holds them, then the hard cases: every surname with a
    surname reading before given names that are heteronyms or phrases, rare characters,
    and text mixed with Latin letters, digits and signs."""
    names = [p["name"] for p in CountyGenerator(persons=3000, visits=0).persons]
    rng = random.Random(14)
    chars = words.MALE_CHARS + words.FEMALE_CHARS + "长乐重行朝和解单曾区查覃"
    for surname in [*SURNAME_READINGS, *words.SURNAMES[:40]]:
        for given in _PHRASES:
            names.append(surname + given)
        for _ in range(8):
            names.append(surname + "".join(rng.choice(chars) for _ in range(rng.randint(1, 3))))
        names.append(surname + rng.choice(_RARE) + rng.choice(chars))
    names.extend(a + b for a in _RARE for b in ("", "华", *_PHRASES[:3]))
    names.extend(_MIXED)
    names.extend(y + g for y in words.YI_SURNAMES for g in words.YI_GIVEN)
    return names


def test_the_reading_in_context_is_pypinyins_for_every_name_and_every_tail() -> None:
    names = _names()
    assert len(names) > 4000
    for name in names:
        for start in range(len(name)):
            text = name[start:]
            assert _common(text) == _common_reference(text), text


def test_search_keys_and_readings_are_those_of_the_reference() -> None:
    for name in _names():
        reference = _readings(name, _common_reference)
        assert name_readings(name) == reference, name
        assert name_keys(name) == reference[0], name


def test_surname_readings_stay_as_they_were() -> None:
    assert name_keys("曾建国") == ("zengjianguo", "zjg")
    assert name_keys("单长乐") == ("shanchangle", "scl")
    assert name_keys("解放") == ("xiefang", "xf")
    assert ("jiefang", "jf") in name_readings("解放")
    assert name_keys("长春") == ("changchun", "cc")
    assert name_keys("李长春") == ("lichangchun", "lcc")
