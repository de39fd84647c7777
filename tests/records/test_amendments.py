"""Correcting and voiding saved records: the trail, the care plan, the status, the report."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from fieldkit.domain.careplan import TaskKind
from fieldkit.domain.models import RecordAmendment
from fieldkit.domain.vocab import ActivityKind, EventKind, Status, VisitReason
from fieldkit.reports.quarter import Quarter
from fieldkit.services import ActivityInput, Services, StatusEventInput, VisitInput
from fieldkit.services.amendments import RecordError
from fieldkit.store import Store
from tests.tui.tui_helpers import NOW, rows


def _pid(services: Services, code: str) -> str:
    person = services.roster.find_by_code(code)
    assert person is not None
    return person


def _due(services: Services) -> set[tuple[str, TaskKind]]:
    listing = services.due.listing(NOW.date())
    return {(t.person_code, t.kind) for g in listing.groups for t in g.tasks}


def _as(store: Store, user: str, role: str) -> Services:
    store.set_meta("user_name", user)
    store.set_meta("role", role)
    return Services(store)


def _trail(store: Store, record_id: str) -> list[tuple[object, ...]]:
    return rows(
        store,
        "SELECT action, changes, hidden_changes, reason, by_user, device FROM record_amendment"
        " WHERE record_id = ? ORDER BY at, id",
        record_id,
    )


def _visit(services: Services, code: str, **fields: object) -> str:
    data = VisitInput(person_id=_pid(services, code), **fields)  # type: ignore[arg-type]
    return services.record.visit(data).id


def test_a_money_correction_keeps_the_original_amount_and_who_changed_it(store: Store) -> None:
    services = _as(store, "王芳", "staff")
    visit = _visit(services, "GL-0003", visited_at=datetime(2026, 11, 2, 9), money_fen=20000)
    assert rows(store, "SELECT recorded_by FROM visit WHERE id = ?", visit) == [("王芳",)]
    services = _as(store, "李强", "staff")
    services.amend.correct("visit", visit, {"money_fen": 2000}, "多打了一个零")
    assert rows(store, "SELECT money_fen, recorded_by, deleted FROM visit WHERE id = ?", visit) == [
        (2000, "王芳", 0)
    ]
    device = store.meta("device_id")
    assert _trail(store, visit) == [
        ("correct", "{}", '{"money_fen": [20000, 2000]}', "多打了一个零", "李强", device)
    ]
    view = services.files.record("visit", visit)
    assert view is not None
    assert view.recorded_by == "王芳"
    assert not view.voided
    (amendment,) = view.amendments
    assert amendment.by_user == "李强"
    assert amendment.changes == {"money_fen": (20000, 2000)}
    # the record's change (only the changed field) and the amendment row wait for HQ
    queued = rows(
        store, "SELECT tbl, data FROM outbox WHERE row_id = ? ORDER BY seq DESC LIMIT 1", visit
    )
    assert queued == [("visit", '{"money_fen": 2000}')]
    assert rows(store, "SELECT tbl FROM outbox WHERE row_id = ?", amendment.id) == [
        ("record_amendment",)
    ]


def test_correcting_a_visits_reason_settles_the_hospital_visit_and_voiding_it_reopens_it(
    store: Store,
) -> None:
    services = _as(store, "王芳", "staff")
    li = _pid(services, "GL-0002")
    services.record.status_event(
        StatusEventInput(li, EventKind.HOSPITALISED, date(2026, 11, 10), "县医院")
    )
    assert ("GL-0002", TaskKind.HOSPITAL) in _due(services)
    visit = _visit(services, "GL-0002", visited_at=datetime(2026, 11, 12, 10))
    assert ("GL-0002", TaskKind.HOSPITAL) in _due(services)  # a routine visit does not settle it
    services.amend.correct("visit", visit, {"reason": VisitReason.HOSPITAL}, "其实是住院探望")
    assert ("GL-0002", TaskKind.HOSPITAL) not in _due(services)
    services.amend.void("visit", visit, "记错了人")
    assert ("GL-0002", TaskKind.HOSPITAL) in _due(services)
    assert _trail(store, visit)[-1][0] == "void"
    pf = services.files.get(li)
    assert pf is not None
    (entry,) = [e for e in pf.timeline if e.row_id == visit]
    assert entry.voided
    assert entry.code == "hospital"
    assert pf.visit_count == 0


def test_a_void_needs_a_reason_and_writes_nothing_without_one(store: Store) -> None:
    services = _as(store, "王芳", "staff")
    visit = _visit(services, "GL-0003", visited_at=datetime(2026, 11, 2, 9), money_fen=100)
    before = rows(store, "SELECT count(*) FROM outbox")
    with pytest.raises(RecordError) as err:
        services.amend.void("visit", visit, "   ")
    assert str(err.value) == "Say why the record is voided"
    assert err.value.field == "reason"
    assert rows(store, "SELECT deleted FROM visit WHERE id = ?", visit) == [(0,)]
    assert rows(store, "SELECT count(*) FROM record_amendment") == [(0,)]
    assert rows(store, "SELECT count(*) FROM outbox") == before


def test_a_voided_or_missing_record_is_refused_and_so_is_no_change(store: Store) -> None:
    services = _as(store, "王芳", "staff")
    visit = _visit(services, "GL-0003", visited_at=datetime(2026, 11, 2, 9))
    with pytest.raises(RecordError, match="Nothing was changed"):
        services.amend.correct("visit", visit, {"visitors": ""})
    services.amend.void("visit", visit, "重复录入")
    with pytest.raises(RecordError, match="voided"):
        services.amend.void("visit", visit, "again")
    with pytest.raises(RecordError, match="voided"):
        services.amend.correct("visit", visit, {"notes": "x"}, "x")
    with pytest.raises(RecordError, match="not in the store"):
        services.amend.void("visit", "no-such-id", "x")
    with pytest.raises(RecordError, match="cannot be corrected"):
        services.amend.correct("visit", visit, {"person_id": "x"})
    (one,) = rows(store, "SELECT count(*) FROM record_amendment WHERE record_id = ?", visit)
    assert one == (1,)


def test_a_correction_is_checked_like_a_new_record(store: Store) -> None:
    services = _as(store, "王芳", "staff")
    visit = _visit(services, "GL-0003", visited_at=datetime(2026, 11, 2, 9))
    with pytest.raises(RecordError, match="below 0"):
        services.amend.correct("visit", visit, {"money_fen": -5})
    with pytest.raises(RecordError, match="Say what must be followed up"):
        services.amend.correct("visit", visit, {"follow_up_due": date(2026, 12, 1)})
    with pytest.raises(RecordError, match="must be date"):
        services.amend.correct("visit", visit, {"follow_up_due": "2026-12-01"})
    assert rows(store, "SELECT money_fen, follow_up_due FROM visit WHERE id = ?", visit) == [
        (0, None)
    ]
    assert rows(store, "SELECT count(*) FROM record_amendment") == [(0,)]


def test_voiding_a_mistyped_discharge_puts_the_person_back_in_hospital(store: Store) -> None:
    services = _as(store, "王芳", "staff")
    li = _pid(services, "GL-0002")
    services.record.status_event(StatusEventInput(li, EventKind.HOSPITALISED, date(2026, 11, 10)))
    wrong = services.record.status_event(
        StatusEventInput(li, EventKind.DISCHARGED, date(2026, 11, 11))
    )
    pf = services.files.get(li)
    assert pf is not None
    assert pf.person.status == Status.ACTIVE
    services.amend.void("event", wrong.id, "出院是误录")
    pf = services.files.get(li)
    assert pf is not None
    assert pf.person.status == Status.HOSPITALISED
    assert ("GL-0002", TaskKind.HOSPITAL) in _due(services)
    (trail,) = _trail(store, wrong.id)
    assert json.loads(str(trail[1])) == {
        "deleted": [False, True],
        "person.status": ["active", "hospitalised"],
    }


def test_voiding_a_mistyped_death_and_phone_change_restores_the_file(store: Store) -> None:
    services = _as(store, "王芳", "staff")
    zhao = _pid(services, "GL-0003")
    pf = services.files.get(zhao)
    assert pf is not None
    old_phone = pf.person.phone
    phone = services.record.status_event(
        StatusEventInput(zhao, EventKind.PHONE_CHANGED, date(2026, 11, 1), new_value="13812345678")
    )
    death = services.record.status_event(
        StatusEventInput(zhao, EventKind.DECEASED, date(2026, 11, 5))
    )
    services.amend.void("event", death.id, "不是本人")
    services.amend.void("event", phone.id, "号码记错")
    pf = services.files.get(zhao)
    assert pf is not None
    assert (pf.person.status, pf.person.phone) == (Status.ACTIVE, old_phone)
    # the file takes events again: the guard against a deceased person's events is lifted
    services.record.status_event(StatusEventInput(zhao, EventKind.HOSPITALISED, date(2026, 11, 6)))


def test_a_volunteer_may_not_correct_money_and_its_values_are_kept_apart(store: Store) -> None:
    services = _as(store, "志愿者甲", "volunteer")
    visit = _visit(services, "GL-0003", visited_at=datetime(2026, 11, 2, 9))
    assert "money_fen" not in services.amend.correctable("visit")
    with pytest.raises(RecordError, match="Your role may not see money_fen"):
        services.amend.correct("visit", visit, {"money_fen": 100}, "x")
    services.amend.correct("visit", visit, {"notes": "补记"}, "")
    (trail,) = _trail(store, visit)
    assert trail[1:3] == ('{"notes": ["", "补记"]}', "{}")


def test_the_quarterly_report_counts_the_corrected_visit_and_leaves_out_the_voided(
    store: Store,
) -> None:
    services = _as(store, "王芳", "staff")
    quarter = Quarter(2026, 4)

    def figures() -> tuple[int, int, int, int]:
        report = services.reports.build(quarter, made_on=NOW.date())
        v, m = report.visits.total, report.money.total
        return v.visits, v.by_reason[VisitReason.AID], m.fen, m.fen_by_reason[VisitReason.AID]

    base = figures()
    kept = _visit(services, "GL-0003", visited_at=datetime(2026, 11, 2, 9), money_fen=20000)
    gone = _visit(services, "GL-0004", visited_at=datetime(2026, 11, 3, 9), money_fen=30000)
    assert figures() == (base[0] + 2, base[1], base[2] + 50000, base[3])
    services.amend.correct(
        "visit", kept, {"money_fen": 2000, "reason": VisitReason.AID}, "金额与类别更正"
    )
    services.amend.void("visit", gone, "重复录入")
    assert figures() == (base[0] + 1, base[1] + 1, base[2] + 2000, base[3] + 2000)
    assert rows(store, "SELECT count(*) FROM record_amendment") == [(2,)]
    assert isinstance(RecordAmendment.__tablename__, str)


def test_an_activity_corrected_then_voided_counts_as_corrected_then_not_at_all(
    store: Store,
) -> None:
    services = _as(store, "王芳", "staff")
    ((team_id, _name, site_id),) = services.roster.teams()
    members = dict((name, mid) for mid, name in services.roster.team_members(team_id))
    liu = _pid(services, "GL-0006")
    quarter = Quarter(2026, 4)

    def reached() -> int:
        return services.reports.build(quarter, made_on=NOW.date()).activities.total.people_reached

    base = reached()
    talk = services.record.activity(
        ActivityInput(
            team_id=team_id,
            site_id=site_id,
            kind=ActivityKind.TALK,
            held_on=date(2026, 11, 5),
            title="防诈宣讲",
            attendee_ids=(members["刘德福"],),
            people_reached=800,
        )
    )
    services.amend.correct("activity", talk.id, {"people_reached": 80}, "多写了一个零")
    assert reached() == base + 80
    services.amend.void("activity", talk.id, "活动取消")
    assert reached() == base
    assert rows(
        store,
        "SELECT action, person_id, site_id FROM record_amendment WHERE record_id = ?",
        talk.id,
    ) == [("correct", None, site_id), ("void", None, site_id)]
    pf = services.files.get(liu)
    assert pf is not None
    (entry,) = [e for e in pf.timeline if e.row_id == talk.id]
    assert entry.voided
    assert entry.kind == "activity"
