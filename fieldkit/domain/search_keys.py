"""Pinyin search keys for names: 张三丰 -> ("zhangsanfeng", "zsf").

A name is found by every way a person may read it. Surnames are often read
differently from the character's common reading (曾 zēng, not céng; 单 shàn; 解
xiè), so a surname table gives their surname readings, and every heteronym of
each character of the given name counts too (pypinyin's heteronym mode).
:func:`name_keys` is the primary reading (the one names are ordered by);
:func:`name_readings` is every reading, primary first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from itertools import islice, product

__all__ = ["MAX_READINGS", "SURNAME_READINGS", "name_keys", "name_readings"]

MAX_READINGS = 16
"""At most this many readings of one name (a name of rare characters could have hundreds)."""

_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\u3400-\u9fff\uf900-\ufaff]+")

SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    # Compound surnames first: they are matched before single ones.
    "尉迟": ("yuchi",),
    "单于": ("chanyu",),
    "万俟": ("moqi",),
    "长孙": ("zhangsun",),
    "澹台": ("tantai",),
    "令狐": ("linghu",),
    "皇甫": ("huangfu",),
    "欧阳": ("ouyang",),
    "上官": ("shangguan",),
    "司马": ("sima",),
    "诸葛": ("zhuge",),
    "曾": ("zeng",),
    "单": ("shan",),
    "仇": ("qiu",),
    "解": ("xie",),
    "区": ("ou",),
    "朴": ("piao",),
    "查": ("zha",),
    "盖": ("ge",),
    "覃": ("qin", "tan"),
    "缪": ("miao",),
    "翟": ("zhai",),
    "乐": ("yue", "le"),
    "长": ("chang",),
    "种": ("chong",),
    "召": ("shao",),
    "繁": ("po",),
    "秘": ("bi",),
    "员": ("yun",),
    "句": ("gou",),
    "蕃": ("pi",),
    "黑": ("he",),
    "朝": ("chao",),
    "重": ("chong",),
    "纪": ("ji",),
    "华": ("hua",),
    "任": ("ren",),
    "折": ("she",),
    "隗": ("wei",),
    "宓": ("fu",),
    "郇": ("huan",),
    "洗": ("xian",),
    "尉": ("yu", "wei"),
    "能": ("nai",),
    "卜": ("bu",),
    "祭": ("zhai",),
    "褚": ("chu",),
    "沈": ("shen",),
    "石": ("shi",),
}


@lru_cache(maxsize=16384)
def _char_readings(ch: str) -> tuple[str, ...]:
    """Every reading of a character, the most common first; other text kept, lower-cased.

    Cached: a roster of a hundred thousand names uses a few thousand characters.
    """
    from pypinyin import Style, pinyin

    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="default")[0]
    out = [r.lower() for r in readings if r.strip()]
    return tuple(dict.fromkeys(out)) or (ch.lower(),)


def _tokens(text: str) -> list[str]:
    """Chinese characters one by one; a run of anything else (``Tom``) as one token."""
    return [m.group() for m in _TOKEN.finditer(text)]


def _surname(name: str) -> tuple[int, list[str]]:
    """How many leading characters are the surname, and its readings (surname table first)."""
    for length in (2, 1):
        head = name[:length]
        if len(head) == length and head in SURNAME_READINGS:
            common = ["".join(_char_readings(ch)[0] for ch in head)]
            return length, list(dict.fromkeys([*SURNAME_READINGS[head], *common]))
    return 0, []


def _common_reference(text: str) -> tuple[str, ...]:
    """The common reading of ``text`` in context, straight from pypinyin (the reference
    :func:`_common` must equal)."""
    from pypinyin import Style, lazy_pinyin

    return tuple(s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="default"))


@lru_cache(maxsize=16384)
def _segment_reading(segment: str) -> tuple[str, ...]:
    """The reading of one of pypinyin's segments (a phrase of its dictionary, or one
    character), as it reads it inside any text: a segment is converted on its own."""
    return _common_reference(segment)


@lru_cache(maxsize=65536)
def _common(text: str) -> tuple[str, ...]:
    """The common reading of ``text`` in context (pypinyin's phrases: 长春 -> chang chun).

    pypinyin's own way, with its readings memoised: a text of Chinese characters only
    (one run, as pypinyin splits text) is cut into pypinyin's segments by its own
    phrase segmenter, and each segment's reading, the same in every text, is
    computed once. Other text (Latin, digits, mixed) is read by pypinyin whole.
    """
    from pypinyin.constants import RE_HANS
    from pypinyin.seg.mmseg import seg

    if not RE_HANS.match(text):
        return _common_reference(text)
    return tuple(r for segment in seg.cut(text) for r in _segment_reading(segment))


def _keys(syllables: tuple[str, ...]) -> tuple[str, str]:
    """Full pinyin and initials of one reading, spaces dropped."""
    parts = [s.replace(" ", "") for s in syllables if s.strip()]
    return "".join(parts), "".join(s[0] for s in parts)


@lru_cache(maxsize=65536)
def name_readings(name: str) -> tuple[tuple[str, str], ...]:
    """Every (full pinyin, initials) a person may type for ``name``, primary first.

    The primary reading takes the surname's surname reading (曾建建 ->
    zengjianjian) and the common reading of the given name in context; then come
    the other readings of the surname and the heteronyms of the given name, at
    most :data:`MAX_READINGS` in all. A surname reading keeps its syllables
    together, so its initials are those of each syllable (尉迟 -> "yc").
    """
    return _readings(name, _common)


def _readings(name: str, common: Callable[[str], tuple[str, ...]]) -> tuple[tuple[str, str], ...]:
    """:func:`name_readings` with ``common`` as the reading in context (tests pass the
    reference, :func:`_common_reference`)."""
    name = name.strip()
    if not name:
        return (("", ""),)
    taken, surname = _surname(name)
    per_char: list[list[tuple[str, ...]]] = []
    if taken:
        per_char.append([_split_compound(r, name[:taken]) for r in surname])
    per_char.extend([(r,) for r in _char_readings(token)] for token in _tokens(name[taken:]))
    seen: dict[tuple[str, str], None] = {}
    seen[_keys((*per_char[0][0], *common(name[taken:])) if taken else common(name))] = None
    for combo in islice(product(*per_char), MAX_READINGS * 4):
        seen.setdefault(_keys(tuple(s for part in combo for s in part)), None)
        if len(seen) == MAX_READINGS:
            break
    return tuple(seen)


def _split_compound(reading: str, surname: str) -> tuple[str, ...]:
    """A surname reading as syllables: one per character (``yuchi`` for 尉迟 -> yu, chi)."""
    if len(surname) == 1:
        return (reading,)
    firsts = [_char_readings(ch) for ch in surname]
    for first in firsts[0]:
        if reading.startswith(first) and any(reading[len(first) :] == r for r in firsts[1]):
            return (first, reading[len(first) :])
    return (reading,)


@lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin (no tones, no spaces) and initials of a name's primary reading, lower case.

    Characters that are not Chinese are kept as typed, lower-cased. pypinyin is
    imported on first use: loading its dictionaries takes about half a second,
    which the app's start should not pay before the first name is written.
    """
    return name_readings(name)[0]
