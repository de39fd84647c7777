"""A person's identity in the forms: ID numbers and phones checked where they are saved,
the refusal shown at its field (and gone once the field changes), a person added from
the roster with the next code, and no way out of a typed form without being asked."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import Category, Sex
from fieldkit.services import NewPerson, NotAllowed, Services
from fieldkit.store import Store
from fieldkit.store.people import IdHolder, PersonRefused, next_person_code
from fieldkit.tui.app import FieldkitApp
from fieldkit.tui.confirm import ConfirmDialog
from fieldkit.tui.person import PersonScreen
from fieldkit.tui.person_add import AddPersonForm
from fieldkit.tui.person_edit import PersonEditForm, StatusEventForm
from fieldkit.tui.roster import RosterScreen
from tests.tui.tui_helpers import make_app, rows, screen_lines, settle

SIZE = (120, 40)


def _with_check(first17: str) -> str:
    """17 digits completed with their GB 11643 check character."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


ZHANG_ID = _with_check("51343419400301001")  # 张三丰 GL-0001, born 1940-03-01
LI_ID = _with_check("51343419410302002")  # 李秀英 GL-0002, born 1941-03-02


def _pid(store: Store, code: str) -> str:
    found = Services(store).roster.find_by_code(code)
    assert found is not None
    return found


def _error(form: Screen[Any], field: str) -> str:
    return str(form.query_one(f"#err-{field}", Static).render())


async def _edit_form(app: FieldkitApp, pilot: Pilot[int], person_id: str) -> PersonEditForm:
    app.open_person(person_id)
    await settle(pilot)
    await pilot.press("e")
    await settle(pilot)
    form = app.screen
    assert isinstance(form, PersonEditForm)
    return form


async def test_a_wrong_id_number_is_refused_at_its_field_and_the_error_clears(
    store: Store,
) -> None:
    zhang = _pid(store, "GL-0001")
    app = make_app(store, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await _edit_form(app, pilot, zhang)
        wrong_check = ZHANG_ID[:-1] + ("1" if ZHANG_ID[-1] != "1" else "2")
        form.query_one("#id_number", Input).value = wrong_check
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert _error(form, "id_number") == (
            f"身份证号“{wrong_check}”校验码不对（有数字输错了） 请核对本人身份证上的号码。"
        )
        assert app.focused is form.query_one("#id_number")
        await pilot.press("backspace")  # the input changes: its error no longer holds
        await settle(pilot)
        assert _error(form, "id_number") == ""
        # a right number, but of someone born on another day than 张三丰
        form.query_one("#id_number", Input).value = LI_ID
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _error(form, "id_number").startswith(
            f"身份证号“{LI_ID}”中的出生日期是 1941-03-02，但档案中的出生日期是 1940-03-01"
        )
        assert rows(store, "SELECT id_number FROM person WHERE id = ?", zhang) == [("",)]
        form.query_one("#id_number", Input).value = ZHANG_ID.lower()  # a lower-case x is fine
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    assert rows(store, "SELECT id_number FROM person WHERE id = ?", zhang) == [(ZHANG_ID,)]
    sent = rows(store, "SELECT data FROM outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1", zhang)
    assert json.loads(str(sent[0][0])) == {"id_number": ZHANG_ID}


async def test_an_id_number_held_by_another_person_is_refused_naming_both(store: Store) -> None:
    zhang, li = _pid(store, "GL-0001"), _pid(store, "GL-0002")
    with store.write() as s:  # 李秀英's file wrongly holds 张三丰's number (say, an old import)
        row = s.get(Person, li)
        assert row is not None
        row.id_number = ZHANG_ID
        s.add(row)
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await _edit_form(app, pilot, zhang)
        form.query_one("#id_number", Input).value = ZHANG_ID
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert _error(form, "id_number") == (
            f"ID number {ZHANG_ID} is already in the file of 李秀英 (GL-0002); it cannot also "
            "be in the file of 张三丰 (GL-0001) One of the two numbers is mistyped, or the two "
            "files are the same person: check the ID card."
        )
    assert rows(store, "SELECT code, id_number FROM person WHERE id_number != ''") == [
        ("GL-0002", ZHANG_ID)
    ]


async def test_a_birth_date_that_contradicts_the_id_number_is_refused_at_the_birth_date(
    store: Store,
) -> None:
    zhang = _pid(store, "GL-0001")
    Services(store).record.edit_person(zhang, {"id_number": ZHANG_ID})
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await _edit_form(app, pilot, zhang)
        form.query_one("#birth_date", Input).value = "1940-03-02"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert _error(form, "birth_date").startswith(
            f"ID number '{ZHANG_ID}' gives the birth date 1940-03-01, "
            "but the person's birth date is 1940-03-02"
        )
        assert app.focused is form.query_one("#birth_date")
    assert rows(store, "SELECT birth_date FROM person WHERE id = ?", zhang) == [("1940-03-01",)]


async def test_a_new_phone_must_be_a_mobile_or_a_landline_with_its_area_code(
    store: Store,
) -> None:
    wang = _pid(store, "GL-0003")
    app = make_app(store, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_person(wang)
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, StatusEventForm)
        form.query_one("#kind", Select).value = "phone_changed"
        form.query_one("#new_value", Input).value = "13800001234x"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert _error(form, "new_value") == (
            "电话“13800001234x”不是有效的手机号：应为以 13-19 开头的 11 位数字 "
            "手机号写 11 位数字，固定电话请带区号。"
        )
        form.query_one("#new_value", Input).value = "0834-2345678"
        await settle(pilot)
        assert _error(form, "new_value") == ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonScreen)
    assert rows(store, "SELECT phone FROM person WHERE id = ?", wang) == [("0834-2345678",)]
    assert rows(store, "SELECT note FROM person_event WHERE person_id = ?", wang) == [
        ("13800000003 -> 0834-2345678",)
    ]


async def _open_add_form(app: FieldkitApp, pilot: Pilot[int]) -> AddPersonForm:
    assert isinstance(app.screen, RosterScreen)
    await pilot.press("ctrl+n")
    await settle(pilot)
    form = app.screen
    assert isinstance(form, AddPersonForm)
    return form


def _site_id(store: Store, name: str) -> str:
    return next(sid for sid, n in Services(store).roster.sites() if n == name)


async def test_a_person_added_from_the_roster_gets_the_next_code_and_their_file_opens(
    store: Store,
) -> None:
    new_id = _with_check("51343419560715002")
    app = make_app(store, lang="zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await _open_add_form(app, pilot)
        await pilot.press("ctrl+s")  # nothing typed: the name is asked for first
        await settle(pilot)
        assert _error(form, "name") == "姓名不能为空"
        await pilot.press(*"马秀兰")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _error(form, "site") == "请选择站点"
        form.query_one("#site", Select).value = _site_id(store, "幸福安置点")
        form.query_one("#category", Select).value = "resident"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert _error(form, "sex") == "请选择性别"
        form.query_one("#sex", Select).value = "female"
        form.query_one("#birth_date", Input).value = "1956-07-15"
        form.query_one("#id_number", Input).value = new_id
        form.query_one("#phone", Input).value = "13800001234x"
        form.query_one("#address", Input).value = "幸福小区11栋"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        assert _error(form, "phone").startswith("电话“13800001234x”不是有效的手机号")
        assert rows(store, "SELECT count(*) FROM person WHERE name = '马秀兰'") == [(0,)]
        form.query_one("#phone", Input).value = "138 0000 1234"
        await pilot.press("ctrl+s")
        await settle(pilot)
        file = app.screen
        assert isinstance(file, PersonScreen)
        text = "\n".join(screen_lines(app))
        assert "马秀兰" in text
        assert "GL-0009" in text
    added = rows(
        store,
        "SELECT p.id, code, p.name, sex, birth_date, category, s.name, id_number, phone, "
        "p.address FROM person p JOIN site s ON s.id = p.site_id WHERE code = 'GL-0009'",
    )
    assert [r[1:] for r in added] == [
        (
            "GL-0009",
            "马秀兰",
            "female",
            "1956-07-15",
            "resident",
            "幸福安置点",
            new_id,
            "13800001234",
            "幸福小区11栋",
        )
    ]
    assert file.person_id == added[0][0]
    entry = rows(store, "SELECT tbl, state, data FROM outbox WHERE row_id = ?", added[0][0])
    assert [(t, s) for t, s, _d in entry] == [("person", "pending")]
    assert json.loads(str(entry[0][2]))["code"] == "GL-0009"


def test_codes_follow_the_roster_scheme_and_an_id_number_is_held_once(store: Store) -> None:
    services = Services(store)
    site = _site_id(store, "东风村")
    first = services.people.add(
        NewPerson("周桂芳", site, Category.WIDOW, Sex.FEMALE, id_number=LI_ID)
    )
    assert (first.code, first.id_number) == ("GL-0009", LI_ID)
    assert services.people.id_number_holder(LI_ID) == IdHolder(first.id, "周桂芳", "GL-0009")
    assert services.people.id_number_holder(ZHANG_ID) is None
    with pytest.raises(PersonRefused) as refused:
        services.people.add(
            NewPerson("周贵芳", site, Category.WIDOW, Sex.FEMALE, date(1941, 3, 2), LI_ID)
        )
    err = refused.value
    assert (err.field, err.params["holder"], err.params["holder_code"]) == (
        "id_number",
        "周桂芳",
        "GL-0009",
    )
    assert err.params["name"] == "周贵芳"
    second = services.people.add(NewPerson("吴明", site, Category.RETIRED, Sex.MALE))
    assert second.code == "GL-0010"
    assert rows(store, "SELECT name FROM person WHERE code LIKE 'GL-001_'") == [("吴明",)]


async def test_a_volunteer_may_not_add_a_person(store: Store) -> None:
    store.set_meta("role", "volunteer")
    site = _site_id(store, "东风村")
    with pytest.raises(
        NotAllowed, match="Only staff and administrators can add a person to the roster"
    ):
        Services(store).people.add(NewPerson("吴明", site, Category.RETIRED, Sex.MALE))
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)  # the form went away at once
        notices = [n.message for n in app._notifications]
        assert "Only staff and administrators can add a person to the roster" in notices
    assert rows(store, "SELECT count(*) FROM person") == [(8,)]


async def test_every_way_out_of_a_typed_new_person_asks_first(store: Store) -> None:
    app = make_app(store, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await _open_add_form(app, pilot)
        await pilot.press("escape")  # nothing typed: leaves at once
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
        form = await _open_add_form(app, pilot)
        await pilot.press(*"Ma")
        for key in ("escape", "ctrl+q"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, ConfirmDialog), key
            await pilot.press("n")  # keep editing
            await settle(pilot)
            assert app.screen is form
            assert app.is_running
            assert form.query_one("#name", Input).value == "Ma"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("y")  # discard
        await settle(pilot)
        assert isinstance(app.screen, RosterScreen)
    assert rows(store, "SELECT count(*) FROM person") == [(8,)]


async def test_a_half_typed_new_person_is_offered_back_after_a_crash(store: Store) -> None:
    site = _site_id(store, "新桥社区")
    app = make_app(store, lang="zh", draft_delay=0)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        form = await _open_add_form(app, pilot)
        await pilot.press(*"马秀兰")
        form.query_one("#site", Select).value = site
        await settle(pilot)
    # the app ended with the form unsaved, as a crash would leave it
    (draft,) = Services(store).drafts.all()
    assert (draft.kind, draft.values["name"], draft.values["site"]) == (
        "person-add",
        "马秀兰",
        site,
    )

    again = make_app(store, lang="zh")
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = again.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "新增人员" in dialog.question
        await pilot.press("y")
        await settle(pilot)
        reopened = again.screen
        assert isinstance(reopened, AddPersonForm)
        assert reopened.query_one("#name", Input).value == "马秀兰"
        assert reopened.query_one("#site", Select).value == site
        assert reopened.dirty
    assert rows(store, "SELECT count(*) FROM person WHERE name = '马秀兰'") == [(0,)]


def _add_coded(store: Store, *codes: str) -> None:
    site = _site_id(store, "东风村")
    with store.write() as s:
        s.add_all(Person(code=code, name=f"编号{code}", site_id=site) for code in codes)


def test_the_next_code_counts_numbers_not_letters_in_the_usual_prefix(store: Store) -> None:
    _add_coded(store, "GL-9999", "GL-10000", "XS-99999")  # XS sorts above GL, but is rare
    with store.read() as s:
        assert next_person_code(s) == "GL-10001"  # GL-10000 is above GL-9999
    people = Services(store).people
    site = _site_id(store, "东风村")
    added = people.add(NewPerson("钱多多", site, Category.RETIRED, Sex.MALE))
    again = people.add(NewPerson("孙少少", site, Category.RETIRED, Sex.MALE))
    assert (added.code, again.code) == ("GL-10001", "GL-10002")
    assert rows(store, "SELECT name FROM person WHERE code = 'GL-10002'") == [("孙少少",)]


def test_a_store_without_codes_starts_the_scheme(tmp_path: Path) -> None:
    empty = Store(tmp_path / "empty.db")
    try:
        with empty.write() as s:
            site = Site(name="新站点", county="甘洛县")
            s.add(site)
        with empty.read() as s:
            assert next_person_code(s) == "GL-0001"
        first = Services(empty).people.add(NewPerson("赵一", site.id, Category.LIXIU, Sex.MALE))
        assert rows(empty, "SELECT code, name FROM person") == [(first.code, "赵一")]
        assert first.code == "GL-0001"
    finally:
        empty.close()
