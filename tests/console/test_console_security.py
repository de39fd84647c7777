"""The console's doors, tried over HTTP against a real ``fieldkit serve``: sign-in,
sessions, CSRF, device tokens, failed sign-in limits, the audit trail."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import create_engine, select

from fieldkit.console import tables as ct
from tests.console.console_kit import (
    ADMIN,
    CSRF,
    PASSWORD,
    County,
    console_client,
    login_form,
    set_password,
)
from tests.support.hq_process import Hq

pytestmark = pytest.mark.slow


def _audit(hq: Hq) -> list[tuple[str, str, str]]:
    engine = create_engine(hq.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(ct.audit.c.user_name, ct.audit.c.action, ct.audit.c.detail).order_by(
                ct.audit.c.id
            )
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


PAGES = (
    "/",
    "/overdue",
    "/overdue.xlsx",
    "/persons",
    "/visits",
    "/devices",
    "/conflicts",
    "/rejected",
    "/reports",
    "/audit",
)


def test_no_page_without_a_session_and_no_device_token_opens_the_console(
    hq: Hq, county: County
) -> None:
    with httpx.Client(follow_redirects=False, timeout=30) as anon:
        for page in PAGES:
            reply = anon.get(f"{hq.url}/console{page}")
            assert reply.status_code == 303, page
            assert reply.headers["location"].startswith("/console/login?next=/console")
        person = county.persons["王从未"]
        assert anon.get(f"{hq.url}/console/persons/{person}").status_code == 303
        for action in ("/devices/revoke", "/devices/code", "/conflicts/1", "/logout"):
            reply = anon.post(f"{hq.url}/console{action}", data={"csrf": "x", "device": "x"})
            assert reply.status_code == 401, action
            assert "王从未" not in reply.text
    # a live device token (the east laptop's) opens nothing, even with a session cookie
    from fieldkit.store import Store

    store = Store(county.east_db)
    token = store.meta("device_token")
    store.close()
    assert token
    assert (
        httpx.get(
            f"{hq.url}/v1/me", headers={"Authorization": f"Bearer {token}", **_sync_headers()}
        ).status_code
        == 200
    )
    client, _csrf = console_client(hq)
    for page in PAGES:
        reply = client.get(f"{hq.url}/console{page}", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 401, page
        assert "王从未" not in reply.text
    client.close()


def _sync_headers() -> dict[str, str]:
    from fieldkit.sync_schema import sync_schema
    from sync import PROTOCOL_VERSION
    from sync.protocol import HEADER_PROTOCOL, HEADER_SCHEMA

    return {HEADER_PROTOCOL: str(PROTOCOL_VERSION), HEADER_SCHEMA: sync_schema().version}


def test_cookie_is_signed_httponly_strict_and_logout_ends_it(hq: Hq, county: County) -> None:
    client = httpx.Client(follow_redirects=False, timeout=30)
    token = login_form(client, hq)
    reply = client.post(
        f"{hq.url}/console/login", data={"csrf": token, "name": ADMIN, "password": PASSWORD}
    )
    cookie = reply.headers["set-cookie"]
    assert "httponly" in cookie.lower()
    assert "samesite=strict" in cookie.lower()
    assert "path=/console" in cookie.lower()
    value = client.cookies["fieldkit_console"]
    # a tampered cookie is not a session
    forged = httpx.Client(
        follow_redirects=False, timeout=30, cookies={"fieldkit_console": value[:-4] + "AAAA"}
    )
    assert forged.get(f"{hq.url}/console/").status_code == 303
    forged.close()
    page = client.get(f"{hq.url}/console/devices")
    csrf = CSRF.search(page.text)
    assert csrf is not None
    # logout without the CSRF token is refused and the session stays
    assert client.post(f"{hq.url}/console/logout", data={}).status_code == 403
    assert client.get(f"{hq.url}/console/").status_code == 200
    assert client.post(f"{hq.url}/console/logout", data={"csrf": csrf.group(1)}).status_code == 303
    # the old cookie, replayed after logout, opens nothing
    replay = httpx.Client(follow_redirects=False, timeout=30, cookies={"fieldkit_console": value})
    assert replay.get(f"{hq.url}/console/").status_code == 303
    replay.close()
    client.close()
    actions = [(who, what) for who, what, _ in _audit(hq)]
    assert (ADMIN, "login") in actions
    assert (ADMIN, "logout") in actions


def test_posts_without_the_csrf_token_change_nothing(hq: Hq, county: County) -> None:
    client = console_client(hq)[0]
    devices = client.get(f"{hq.url}/console/devices").text
    east_device = re.findall(r'name="device" value="([^"]+)"', devices)
    assert east_device
    for data in ({"device": east_device[0]}, {"device": east_device[0], "csrf": "forged"}):
        reply = client.post(f"{hq.url}/console/devices/revoke", data=data)
        assert reply.status_code == 403
    reply = client.post(f"{hq.url}/console/devices/code", data={"user": "王芳"})
    assert reply.status_code == 403
    reply = client.post(f"{hq.url}/console/conflicts/1", data={"keep": "loser"})
    assert reply.status_code == 403
    engine = create_engine(hq.database_url)
    from sync.server import tables as t

    with engine.connect() as conn:
        revoked = conn.execute(select(t.device.c.id).where(t.device.c.revoked_at.is_not(None)))
        assert list(revoked) == []
        assert conn.execute(select(t.enrollment.c.user_id)).all() == [] or all(
            row.used_at is not None for row in conn.execute(select(t.enrollment))
        )
        assert conn.execute(select(t.conflict.c.resolved_at)).scalars().all() == [None]
    engine.dispose()
    # and a login form posted without its token is refused too
    anon = httpx.Client(follow_redirects=False, timeout=30)
    reply = anon.post(f"{hq.url}/console/login", data={"name": ADMIN, "password": PASSWORD})
    assert reply.status_code == 403
    anon.close()
    client.close()


def test_failed_sign_ins_are_limited_per_user_and_recorded(hq: Hq, county: County) -> None:
    client = httpx.Client(follow_redirects=False, timeout=30)
    token = login_form(client, hq)
    for _ in range(5):
        reply = client.post(
            f"{hq.url}/console/login",
            data={"csrf": token, "name": "组织科", "password": "wrong-guess"},
        )
        assert reply.status_code == 401
        assert "姓名或密码错误" in reply.text
    # 组织科 is an admin without a console password: even a later right guess is refused,
    # and after five failures the name is locked for the window
    reply = client.post(
        f"{hq.url}/console/login", data={"csrf": token, "name": "组织科", "password": "wrong-guess"}
    )
    assert reply.status_code == 429
    assert "登录失败次数过多" in reply.text
    # another user from the same address still signs in (the address limit is higher)
    ok = client.post(
        f"{hq.url}/console/login", data={"csrf": token, "name": ADMIN, "password": PASSWORD}
    )
    assert ok.status_code == 303
    client.close()
    entries = _audit(hq)
    assert entries.count(("组织科", "login failed", "")) == 5
    assert ("组织科", "login refused", "too many failed sign-ins") in entries


def test_only_admins_get_a_password(hq: Hq, county: County) -> None:
    staff = set_password(hq, "王芳", "a-long-enough-password")
    assert "exit=1" in staff
    assert "no admin user named '王芳'" in staff
    nobody = set_password(hq, "无名氏", "a-long-enough-password")
    assert "exit=1" in nobody
    short = set_password(hq, ADMIN, "short")
    assert "at least 10 characters" in short
    # a staff user cannot sign in (no console password can exist for them)
    client = httpx.Client(follow_redirects=False, timeout=30)
    token = login_form(client, hq)
    reply = client.post(
        f"{hq.url}/console/login",
        data={"csrf": token, "name": "王芳", "password": "a-long-enough-password"},
    )
    assert reply.status_code == 401
    client.close()
