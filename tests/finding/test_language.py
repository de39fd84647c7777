"""The Chinese interface has no untranslated English: every screen, every catalog entry,
the command palette and the command line's errors under ``--lang zh``.

Words that stay in Latin letters on purpose are allowed: the product's name, key
names, formats, codes, and what a person types literally (options, config keys,
file names, commands)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Select

from fieldkit.cli.main import main
from fieldkit.locale.catalog import po_path, read_po
from fieldkit.services import Services
from fieldkit.store import Store
from fieldkit.tui import widgets
from fieldkit.tui.activities import ActivitiesScreen
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.person_add import AddPersonForm
from fieldkit.tui.person_edit import PersonEditForm, StatusEventForm
from tests.tui.tui_helpers import make_app, screen_lines, settle

ALLOWED = frozenset(
    {
        "fieldkit", "Ctrl", "Enter", "Esc", "esc", "Shift", "Space", "Tab", "KB", "TOML", "PDF",
        "CSV", "XLSX", "ID", "QR", "UTF", "GBK", "Excel", "WPS", "Office", "Windows",
        "GL", "zsf", "ceng", "zeng", "language", "theme",
    }
)  # fmt: skip
"""Latin words that belong in a Chinese line: names, keys, formats, codes, config keys."""

_LITERAL = re.compile(
    r"\{[^}]*\}|%\([^)]*\)s"  # placeholders (the domain's messages use %(name)s)
    r"|`[^`]*`"  # commands to type
    r"|“[^”]*”"  # what the person typed, quoted
    r"|--[\w-]+(?: [a-z]+\b)?"  # options, with a value
    r"|\S*\.\w+"  # file names and extensions
    r"|\w+_\w+"  # config keys
    r"|fieldkit( [a-z-]+)+"  # command lines
    r"|\^[a-z]|\b[a-z]\d*\b|f\d+"  # single keys (^p, v, f5)
)


def english_words(text: str) -> set[str]:
    """The Latin words of ``text`` that are neither literal input nor allowed."""
    plain = _LITERAL.sub(" ", text)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z']+", plain) if w not in ALLOWED}


def store_person_id(store: Store, code: str) -> str:
    """The id of the person with ``code``."""
    found = Services(store).roster.find_by_code(code)
    assert found is not None
    return found


def test_every_chinese_catalog_entry_is_chinese() -> None:
    untranslated = {
        msgid: sorted(english_words(text))
        for msgid, text in read_po(po_path("zh_CN")).items()
        if msgid and english_words(text)
    }
    assert untranslated == {}


async def test_every_screen_speaks_chinese(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(widgets.Palette, "no_matches_delay", 0.0)
    app = make_app(store, lang="zh")
    seen: dict[str, set[str]] = {}

    def look(where: str, typed: str = "") -> None:
        words = english_words("\n".join(screen_lines(app))) - {typed}
        # a Select's blank option shows its prompt, Textual's English "Select" unless given
        words |= {
            f"{select.id}: {select.prompt}"
            for select in app.screen.query(Select)
            if english_words(str(select.prompt))
        }
        if words:
            seen[where] = words

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        look("roster")
        for key, where in (("f2", "today"), ("f5", "sync"), ("f1", "help")):
            await pilot.press(key)
            await settle(pilot)
            look(where)
        await pilot.press("escape", "f3")
        await settle(pilot)
        app.open_person(store_person_id(store, "GL-0001"))
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        look("person")
        await pilot.press("v")
        await settle(pilot)
        look("visit form")
        await pilot.press("ctrl+p")
        await settle(pilot)
        look("command palette")
        assert "搜索命令" in "\n".join(screen_lines(app))
        await pilot.press(*"qqqq")
        await settle(pilot)
        look("command palette, no match", typed="qqqq")
        assert "没有匹配" in "\n".join(screen_lines(app))
        await pilot.press("escape", "escape")  # the palette, then the untouched visit form
        await settle(pilot)
        for key, where in (("e", "file editor"), ("s", "status change form")):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, PersonEditForm | StatusEventForm), where
            look(where)
            await pilot.press("escape")
            await settle(pilot)
        await pilot.press("escape", "f3", "ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, AddPersonForm)
        look("new person form")
        app.screen.query_one("#site", Select).focus()
        await pilot.press("enter")  # the options open, the blank one first
        await settle(pilot)
        look("new person form, site options")
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, ActivitiesScreen)
        look("service activities")
    assert seen == {}


@pytest.mark.parametrize(
    "argv",
    [
        ["enroll", "http://127.0.0.1:9", "ABC"],
        ["due", "--date", "tomorrow"],
        ["sync"],
    ],
)
def test_command_line_errors_speak_chinese(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    main(["--lang", "zh", "--db", str(tmp_path / "fieldkit.db"), *argv])
    err = capsys.readouterr().err
    assert err.strip(), err
    assert english_words(err) == set(), err
