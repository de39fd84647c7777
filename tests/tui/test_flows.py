"""Pilot tests of the field app's flows: forms, validation, prompts, scanner, screens."""

from __future__ import annotations

import json

from rich.cells import cell_len
from textual.widgets import Input, Select, SelectionList

from fieldkit.config import Config
from fieldkit.store import Store
from fieldkit.store.roster import find_by_code  # the tests read the store directly
from fieldkit.tui.activity_form import ActivityForm
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.consultation_form import ConsultationForm
from fieldkit.tui.help import HelpScreen
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.person_edit import PersonEditForm, StatusEventForm
from fieldkit.tui.roster import RosterScreen
from fieldkit.tui.sync_screen import SyncScreen
from fieldkit.tui.today import TodayScreen
from fieldkit.tui.visit_form import VisitForm
from tests.tui.tui_helpers import make_app, open_visit_form, rows, screen_lines, settle

SIZE = (100, 30)


def _count_visits(store: Store) -> int:
    return int(str(rows(store, "SELECT count(*) FROM visit")[0][0]))


def _who_and_what(form: VisitForm) -> None:
    """Fill who went and what was done (a visit needs both)."""
    form.query_one("#visitors", Input).value = "周敏"
    if not form.query_one("#services", Input).value:
        form.query_one("#services", Input).value = "走访慰问"


async def _open_visit_form(app, pilot, code: str = "GL-0001"):
    await settle(pilot)
    person = app.services.roster.find_by_code(code)
    assert person is not None
    form = await open_visit_form(app, pilot, person)
    assert isinstance(form, VisitForm)
    return form


async def test_validation_error_keeps_input_and_focuses_the_field(store: Store) -> None:
    app = make_app(store)
    before = _count_visits(store)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_visit_form(app, pilot)
        await pilot.press("ctrl+s")  # an empty visit: who went?
        await settle(pilot)
        assert app.screen is form
        assert app.focused is form.query_one("#visitors", Input)
        assert "谁" in str(form.query_one("#err-visitors").render())
        form.query_one("#visitors", Input).value = "周敏"
        await pilot.press("ctrl+s")  # and what was done?
        await settle(pilot)
        assert app.focused is form.query_one("#services", Input)
        assert str(form.query_one("#err-visitors").render()) == ""
        form.query_one("#services", Input).value = "送药上门"
        form.query_one("#money", Input).value = "-20"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert app.focused is form.query_one("#money", Input)
        assert "负数" in str(form.query_one("#err-money").render())
        assert form.query_one("#services", Input).value == "送药上门"
        assert form.query_one("#money", Input).value == "-20"
        # a bad date next, then too many decimals
        form.query_one("#money", Input).value = "12.345"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.focused is form.query_one("#money", Input)
        form.query_one("#money", Input).value = "12.34"
        form.query_one("#day", Input).value = "2026-13-40"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.focused is form.query_one("#day", Input)
        assert str(form.query_one("#err-money").render()) == ""
        form.query_one("#day", Input).value = "2026-11-20"
        form.query_one("#follow_up_due", Input).value = "2026-12-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.focused is form.query_one("#follow_up", Input)
    assert _count_visits(store) == before


async def test_leaving_a_form_with_input_asks_first(store: Store) -> None:
    app = make_app(store)
    before = _count_visits(store)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_visit_form(app, pilot)
        await pilot.press("escape")  # nothing typed: leaves at once
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        await pilot.press("v")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        form.query_one("#services", Input).focus()
        await pilot.press(*"送药")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # keep editing
        await settle(pilot)
        assert app.screen is form
        assert form.query_one("#services", Input).value == "送药"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")  # discard
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    assert _count_visits(store) == before


async def test_money_above_the_limit_asks_for_confirmation(store: Store) -> None:
    app = make_app(store, config=Config(money_confirm_fen=100_000))
    before = _count_visits(store)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_visit_form(app, pilot)
        _who_and_what(form)
        form.query_one("#money", Input).value = "1500"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "1500.00" in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is form
        assert _count_visits(store) == before
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    assert rows(store, "SELECT money_fen FROM visit ORDER BY rowid DESC LIMIT 1") == [(150000,)]
    assert _count_visits(store) == before + 1


async def test_needs_checklist_and_follow_up_are_saved(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        form = await _open_visit_form(app, pilot, "GL-0004")
        _who_and_what(form)
        form.query_one("#reason", Select).value = "needs"
        needs = form.query_one("#needs", SelectionList)
        needs.select("医疗")
        needs.select("住房")
        form.query_one("#needs_text", Input).value = "屋顶漏雨"
        form.query_one("#people_present", Input).value = "女儿"
        form.query_one("#goods", Input).value = "大米一袋"
        form.query_one("#follow_up", Input).value = "联系村委会修屋顶"
        form.query_one("#follow_up_due", Input).value = "2026-12-01"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert "待跟进：1 项" in str(app.screen.query_one("#person-summary").render())
    got = rows(
        store,
        "SELECT reason, needs, people_present, goods, follow_up, follow_up_due, confirmation "
        "FROM visit ORDER BY rowid DESC LIMIT 1",
    )
    assert got == [
        (
            "needs",
            "医疗、住房; 屋顶漏雨",
            "女儿",
            "大米一袋",
            "联系村委会修屋顶",
            "2026-12-01",
            "none",
        )
    ]


async def test_scanner_burst_opens_check_in_anywhere(store: Store) -> None:
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, Input)  # the roster's search box has the focus
        await pilot.press(*"GL-0002", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, VisitForm)
        assert "李秀英" in str(form.query_one("#visit-person").render())
        assert "扫码" not in str(form.query_one("#visit-person").render())  # a lookup, no proof
        _who_and_what(form)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        app.pop_screen()
        await settle(pilot)
        roster = app.screen
        assert isinstance(roster, RosterScreen)
        assert roster.query_one("#search", Input).value == ""  # the code did not stay typed
    got = rows(
        store,
        "SELECT v.confirmation FROM visit v JOIN person p ON p.id = v.person_id "
        "WHERE p.code = 'GL-0002'",
    )
    assert got == [("none",)]


async def test_typing_slowly_is_not_a_scan(store: Store) -> None:
    app = make_app(store, scan_gap=0.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"GL-0002", "enter")
        await settle(pilot)
        # typed, not scanned: Enter opens the one match's file, no check-in form
        assert isinstance(app.screen, PersonScreen)
        assert app.screen.person_id == find_by_code(store, "GL-0002")


async def test_unknown_scanned_code_is_reported(store: Store) -> None:
    app = make_app(store, scan_gap=5.0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*"GL-9999", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        assert any("GL-9999" in str(n.message) for n in app._notifications)


async def test_roster_filters_and_search_fields(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        table = screen.query_one("#roster")
        for text, expected in (
            ("zhang", 2),
            ("张", 2),
            ("138000000", 8),
            ("东风村五", 1),
            ("gl-0007", 1),
        ):
            screen.query_one("#search", Input).value = text
            await settle(pilot)
            assert table.row_count == expected, text  # type: ignore[attr-defined]
        screen.query_one("#search", Input).value = ""
        screen.action_toggle_filters()
        await settle(pilot)
        screen.query_one("#f-tier", Select).value = "key"
        await settle(pilot)
        assert table.row_count == 2  # type: ignore[attr-defined]
        screen.query_one("#f-hardship").value = True  # type: ignore[attr-defined]
        await settle(pilot)
        assert table.row_count == 1  # type: ignore[attr-defined]
        assert "李秀英" in "\n".join(screen_lines(app))


async def test_status_change_is_a_dated_event_and_updates_the_file(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_person(find_by_code(store, "GL-0003") or "")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StatusEventForm)
        await pilot.press("ctrl+s")  # nothing chosen
        await settle(pilot)
        assert app.focused is form.query_one("#kind")
        form.query_one("#kind", Select).value = "hospitalised"
        form.query_one("#note", Input).value = "县医院心内科"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert "住院" in str(app.screen.query_one("#person-summary").render())
    pid = find_by_code(store, "GL-0003")
    assert rows(store, "SELECT status FROM person WHERE id = ?", pid) == [("hospitalised",)]
    assert rows(
        store, "SELECT kind, happened_on, note FROM person_event WHERE person_id = ?", pid
    ) == [("hospitalised", "2026-11-21", "县医院心内科")]
    tables = {
        r[0]
        for r in rows(
            store,
            "SELECT tbl FROM outbox WHERE row_id IN "
            "(SELECT id FROM person_event WHERE person_id = ?) OR "
            "(row_id = ? AND data LIKE '%hospitalised%')",
            pid,
            pid,
        )
    }
    assert tables == {"person", "person_event"}


async def test_edit_file_sends_only_changed_fields(store: Store) -> None:
    app = make_app(store)
    pid = find_by_code(store, "GL-0004")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_person(pid or "")
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PersonEditForm)
        assert form.query_one("#name", Input).value == "赵丽华"
        form.query_one("#party_year", Input).value = "1890"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.focused is form.query_one("#party_year")
        form.query_one("#party_year", Input).value = ""
        form.query_one("#address", Input).value = "东风村三组"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    data = rows(store, "SELECT data FROM outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1", pid)
    assert json.loads(str(data[0][0])) == {"address": "东风村三组"}


async def test_walk_in_consultation(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ConsultationForm)
        form.query_one("#question", Input).value = "养老保险怎么转移？"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.focused is form.query_one("#walkin_village")
        form.query_one("#walkin_village", Input).value = "东风村"
        form.query_one("#topic", Select).value = "policy"
        site = rows(store, "SELECT id FROM site WHERE name = '东风村'")[0][0]
        form.query_one("#site", Select).value = site
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
    assert rows(store, "SELECT topic, walkin_village, question, person_id FROM consultation") == [
        ("policy", "东风村", "养老保险怎么转移？", None)
    ]


async def test_service_activity_with_attendees(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ActivityForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.focused is form.query_one("#team")
        team = rows(store, "SELECT id FROM volunteer_team")[0][0]
        form.query_one("#team", Select).value = team
        await settle(pilot)
        members = form.query_one("#attendees", SelectionList)
        assert members.option_count == 2
        members.select_all()
        form.query_one("#people_reached", Input).value = "85"
        form.query_one("#title", Input).value = "防诈骗宣讲"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
    got = rows(store, "SELECT kind, title, attendee_count, people_reached FROM service_activity")
    assert got == [("talk", "防诈骗宣讲", 2, 85)]


async def test_today_lists_due_visits_by_site(store: Store) -> None:
    app = make_app(store, start_mode="today")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TodayScreen)
        text = "\n".join(screen_lines(app))
        assert "已逾期：2" in text, text
        assert text.index("▸ 东风村") < text.index("张志明"), text
        assert text.index("张志明") < text.index("▸ 幸福安置点")
        assert text.index("▸ 幸福安置点") < text.index("张三丰") < text.index("▸ 新桥社区")


async def test_sync_screen_explains_not_enrolled(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, SyncScreen)
        text = "\n".join(screen_lines(app))
        assert "待上传的变更：17 条" in text
        await pilot.press("s")
        await settle(pilot)
        assert "fieldkit enroll" in str(app.screen.query_one("#sync-message").render())


async def test_rejected_changes_are_listed_with_reasons(store: Store) -> None:
    with store.write() as s:
        s.connection().exec_driver_sql(
            "UPDATE outbox SET state = 'rejected', reason = 'site not in your scope' "
            "WHERE tbl = 'visit'"
        )
    app = make_app(store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "2 changes were rejected" in text
        assert "site not in your scope" in text
        assert "Rejected: 2" in text


async def test_help_lists_every_key(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        from fieldkit.tui.help import KEYS

        listed = {key.lower().replace("ctrl+", "^") for _s, keys in KEYS for key, _w in keys}
        screens = (RosterScreen, PersonScreen, VisitForm, TodayScreen, SyncScreen, app)
        for owner in screens:
            for binding in getattr(owner, "BINDINGS", []):
                key = binding.key.replace("ctrl+", "^")
                if binding.show or binding.key.startswith("f"):
                    names = {
                        key,
                        {
                            "slash": "/",
                            "right_square_bracket": "] [",
                            "left_square_bracket": "] [",
                            "escape": "esc",
                        }.get(key, key),
                    }
                    assert names & listed, f"{binding.key} of {owner} missing from help"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)


async def test_command_palette_reaches_a_person(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"zsf")
        await settle(pilot)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert "张三丰" in str(app.screen.query_one("#person-summary").render())


async def test_theme_toggle_is_saved(store: Store, tmp_path) -> None:
    from fieldkit.config import load_config

    path = tmp_path / "config.toml"
    app = make_app(store, config_file=path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pilot.press("f9")
        await settle(pilot)
        assert app.theme == "textual-light"
    assert load_config(path).theme == "light"


async def test_wide_characters_line_up_at_80x24(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        assert all(cell_len(line) == 80 for line in lines)
        header = next(line for line in lines if "关注等级" in line)
        row = next(line for line in lines if "张三丰" in line)
        for head, cell in (("关注等级", "重点关注"), ("状态", "在册"), ("站点", "幸福安置点")):
            assert cell_len(header[: header.index(head)]) == cell_len(row[: row.index(cell)])
        assert any("待同步：17" in line for line in lines)  # the sync line is not pushed off
        app.open_person(find_by_code(store, "GL-0008") or "")
        await settle(pilot)
        lines = screen_lines(app)
        assert all(cell_len(line) == 80 for line in lines)
        assert any("阿依古丽  GL-0008" in line for line in lines)


async def test_consultation_for_a_person_and_file_details(store: Store) -> None:
    app = make_app(store, lang="en")
    pid = find_by_code(store, "GL-0006")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_person(pid or "")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "Former unit" in text
        assert "县粮食局" in text
        await pilot.press("d")
        await pilot.press("c")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ConsultationForm)
        assert "刘德福" in str(form.query_one("#form-heading").render())
        assert not form.query("#walkin_name")  # no walk-in fields for a roster person
        form.query_one("#topic", Select).value = "anti_fraud"
        form.query_one("#question", Input).value = "接到冒充公检法的电话"
        form.query_one("#outcome", Input).value = "挂断，不转账"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
        assert "anti fraud" in "\n".join(screen_lines(app))
    got = rows(store, "SELECT topic, person_id, site_id FROM consultation")
    site = rows(store, "SELECT site_id FROM person WHERE id = ?", pid)[0][0]
    assert got == [("anti_fraud", pid, site)]


def test_run_refuses_a_bad_config_file(store: Store, capsys) -> None:
    from fieldkit.cli.main import main
    from fieldkit.config import config_path

    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('theme = "purple"\n', encoding="utf-8")
    assert main(["--db", str(store.path)]) == 2
    err = capsys.readouterr().err
    assert "theme must be one of dark, light" in err
    assert str(path) in err
    assert "delete it to use the defaults" in err  # the hint, as the app shows it


async def test_long_addresses_are_cut_with_an_ellipsis_not_clipped(store: Store) -> None:
    from fieldkit.store.records import update_person

    update_person(store, find_by_code(store, "GL-0001") or "", {"address": "幸福小区" * 12})
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_lines(app)
        row = next(line for line in lines if "张三丰" in line)
        assert "…" in row
        assert cell_len(row.rstrip(" ▎▇▁")) <= 80


async def test_escape_clears_the_search_and_theme_comes_from_config(store: Store) -> None:
    app = make_app(store, config=Config(theme="light"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"
        await pilot.press(*"zsf")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        assert screen.query_one("#search", Input).value == ""
        assert screen.query_one("#roster").row_count == 8  # type: ignore[attr-defined]


def test_sync_progress_is_read_from_the_sync_client() -> None:
    from fieldkit.i18n import set_language
    from fieldkit.services.syncing import SyncStep
    from fieldkit.syncing import SyncProgress

    set_language("en")
    try:
        assert SyncStep.of(SyncProgress(phase="push", done=5, total=20)) == SyncStep(
            0.25, "sending"
        )
        assert SyncStep.of(SyncProgress(phase="pull", done=3, message="page 3")) == SyncStep(
            None, "receiving page 3"
        )
    finally:
        set_language("zh")


async def test_sync_failure_is_shown_with_its_reason_and_nothing_is_lost(store: Store) -> None:
    store.set_meta("server_url", "http://127.0.0.1:9")  # nothing listens there
    store.set_meta("device_token", "token-of-this-laptop")
    app = make_app(store, lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("s")
        for _ in range(50):
            await settle(pilot)
            if not app.screen.running:  # type: ignore[attr-defined]
                break
        message = str(app.screen.query_one("#sync-message").render())
        assert "Sync failed" in message
        assert "Nothing was lost" in message
        text = "\n".join(screen_lines(app))
        assert "Changes waiting to be sent: 17" in text
        assert "Last problem:" in text
    assert rows(store, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(17,)]


async def test_default_site_from_config_filters_roster_and_today(store: Store) -> None:
    app = make_app(store, config=Config(default_site="东风村"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#roster").row_count == 2  # type: ignore[attr-defined]
        await pilot.press("f2")
        await settle(pilot)
        text = "\n".join(screen_lines(app))
        assert "张志明" in text
        assert "张三丰" not in text


async def test_the_filters_are_made_when_first_shown_with_the_site_in_force(
    store: Store,
) -> None:
    app = make_app(store, config=Config(default_site="东风村"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RosterScreen)
        assert not screen.query("#f-site")  # not made at start
        site_id = screen.flt.site_id
        assert site_id is not None
        page = screen.page
        screen.action_toggle_filters()
        await settle(pilot)
        site = screen.query_one("#f-site", Select)
        assert site.has_focus
        assert site.value == site_id
        sites = app.services.roster.sites()
        assert [(str(o[0]), o[1]) for o in site._options[1:]] == [(n, i) for i, n in sites]
        assert screen.page is page  # showing the filters asked for no new page
        assert screen.query_one("#roster").row_count == 2  # type: ignore[attr-defined]
        screen.action_toggle_filters()
        assert screen.query_one("#filters").has_class("-hidden")


async def test_unknown_default_site_is_reported(store: Store) -> None:
    app = make_app(store, config=Config(default_site="不存在的村"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#roster").row_count == 8  # type: ignore[attr-defined]
        assert any("不存在的村" in str(n.message) for n in app._notifications)
