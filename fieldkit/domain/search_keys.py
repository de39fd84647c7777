"""Pinyin search keys for names: 张三丰 -> ("zhangsanfeng", "zsf")."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["name_keys"]


@lru_cache(maxsize=65536)
def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin (no tones, no spaces) and initials of a name, both lower case.

    Characters that are not Chinese are kept as typed, lower-cased. pypinyin is
    imported on first use: loading its dictionaries takes about half a second,
    which the app's start should not pay before the first name is written.
    """
    from pypinyin import Style, lazy_pinyin

    syllables = [s.lower() for s in lazy_pinyin(name, style=Style.NORMAL, errors="default")]
    syllables = [s for s in syllables if s.strip()]
    full = "".join(syllables).replace(" ", "")
    initials = "".join(s[0] for s in syllables if s)
    return full, initials
