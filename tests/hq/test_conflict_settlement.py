"""An administrator settles a conflict at HQ with the value they pick: a normal synced change.

Real laptop stores against fieldkit's HQ over HTTP (SQLite and PostgreSQL), and
the real ``fieldkit admin conflicts`` command on the same database: the picked
value reaches every laptop in scope at its next sync, the conflict shows as
resolved there, and a later edit on a laptop wins over it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from fieldkit.domain.models import Person, Site
from fieldkit.domain.vocab import SiteKind
from fieldkit.store import Store
from fieldkit.store.replica import open_conflicts
from fieldkit.syncing import sync_now
from tests.hq.hq_kit import laptop, ok
from tests.support.hq_process import run_cli
from tests.support.server_thread import ServerThread


def database_url(hq: ServerThread) -> str:
    return hq.engine.url.render_as_string(hide_password=False)


def phone(store: Store, pid: str) -> str:
    with store.read() as s:
        person = s.get(Person, pid)
        assert person is not None
        return person.phone


def set_phone(store: Store, pid: str, value: str) -> None:
    with store.write() as s:
        person = s.get(Person, pid)
        assert person is not None
        person.phone = value


def test_the_value_an_admin_keeps_reaches_every_laptop(
    hq_any: ServerThread, tmp_path: Path
) -> None:
    admin = laptop(hq_any, tmp_path, "admin", "admin", None)
    with admin.write() as s:
        site = Site(name="清水安置点", kind=SiteKind.RELOCATION)
        s.add(site)
        s.flush()
        person = Person(code="QS-1", name="刘英", site_id=site.id, birth_date=date(1941, 3, 2))
        s.add(person)
    pid = person.id
    ok(admin)
    a = laptop(hq_any, tmp_path, "a", "staff", [site.id])
    b = laptop(hq_any, tmp_path, "b", "staff", [site.id])
    ok(a)
    ok(b)
    set_phone(a, pid, "13800000001")
    set_phone(b, pid, "13900000002")
    ok(a)
    assert sync_now(b).conflicts == 1
    url = database_url(hq_any)

    listed = run_cli("admin", "conflicts", "--database-url", url)
    found = re.search(rf"#(\d+) person {pid} field phone: kept '13900000002'", listed)
    assert found, listed
    conflict_id = found.group(1)
    out = run_cli(
        "admin", "conflicts", "--resolve", conflict_id, "--keep", "loser", "--database-url", url
    )
    assert f"conflict {conflict_id} resolved: '13800000001' kept" in out
    assert run_cli("admin", "conflicts", "--database-url", url).strip() == "no open conflicts"

    for store in (admin, a, b):
        ok(store)
        assert phone(store, pid) == "13800000001"
    assert open_conflicts(a, pid) == []
    assert open_conflicts(b, pid) == []

    set_phone(b, pid, "13700000003")  # an edit made after seeing the kept value
    report = sync_now(b)
    assert (report.applied, report.conflicts) == (1, 0)
    ok(a)
    assert phone(a, pid) == "13700000003"


def test_settling_an_unknown_conflict_says_where_to_look(
    hq_any: ServerThread, tmp_path: Path
) -> None:
    url = database_url(hq_any)
    out = run_cli(
        "admin", "conflicts", "--resolve", "999999", "--keep", "winner", "--database-url", url,
        check=False,
    )  # fmt: skip
    assert "no open conflict 999999; see `fieldkit admin conflicts`" in out
    assert "exit=1" in out
    out = run_cli("admin", "conflicts", "--keep", "winner", "--database-url", url, check=False)
    assert "--keep goes with --resolve ID" in out
