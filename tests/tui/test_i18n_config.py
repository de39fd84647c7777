"""Catalogs are complete and compiled; language and config resolution."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest

from fieldkit import i18n
from fieldkit.config import Config, ConfigError, load_config, save_config
from fieldkit.locale.catalog import CATALOGS, compile_mo, extract_msgids, po_path, read_po


def test_every_msgid_has_a_chinese_translation() -> None:
    zh = read_po(po_path("zh_CN"))
    missing = [m for m in extract_msgids() if not zh.get(m)]
    assert missing == [], (
        f"untranslated in zh_CN (run python -m fieldkit.locale.catalog): {missing}"
    )


@pytest.mark.parametrize("catalog", CATALOGS)
def test_compiled_catalogs_match_their_po_files(catalog: str) -> None:
    entries = read_po(po_path(catalog))
    assert set(extract_msgids()) <= set(entries)
    shipped = po_path(catalog).with_suffix(".mo").read_bytes()
    assert shipped == compile_mo(entries), "run python -m fieldkit.locale.catalog"


def test_gettext_reads_the_shipped_catalog() -> None:
    zh = gettext.translation("fieldkit", i18n.LOCALE_DIR, languages=["zh_CN"])
    assert zh.gettext("Roster") == "花名册"
    i18n.set_language("en")
    try:
        assert i18n.gettext("Roster") == "Roster"
    finally:
        i18n.set_language("zh")
    assert i18n.gettext("Roster") == "花名册"


def test_placeholders_survive_translation() -> None:
    zh = read_po(po_path("zh_CN"))
    for msgid, text in zh.items():
        for name in ("{n}", "{amount}", "{limit}", "{code}", "{pending}", "{last}", "{date}"):
            assert (name in msgid) == (name in text), (msgid, text)


def test_language_resolution_order() -> None:
    env_en = {"LANG": "en_US.UTF-8"}
    assert i18n.resolve_language("zh", "en", env_en) == "zh"
    assert i18n.resolve_language(None, "en", {"LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.resolve_language(None, None, env_en) == "en"
    assert i18n.resolve_language(None, None, {"LANG": "C.UTF-8"}) == "zh"
    assert i18n.resolve_language(None, None, {}) == "zh"


def test_config_defaults_roundtrip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    assert load_config(path) == Config()
    cfg = Config(language="en", theme="light", default_site="幸福安置点", money_confirm_fen=150050)
    save_config(cfg, path)
    assert load_config(path) == cfg
    for text, words in (
        ('theme = "blue"', "theme must be one of dark, light"),
        ('language = "fr"', "language must be one of zh, en"),
        ("money_confirm_yuan = -5", "money_confirm_yuan"),
        ("money_confirm_yuan = 1.005", "more than two decimals"),
        ('colour = "red"', "unknown setting 'colour'"),
        ("theme = ", "not a valid TOML file"),
    ):
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=words) as err:
            load_config(path)
        assert str(path) in str(err.value)
