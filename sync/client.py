"""The laptop side of sync: an httpx client and the push-then-pull loop.

The application implements :class:`sync.replica.LocalReplica` on its store (that
module has no HTTP, so a store never imports this one); :func:`run_sync`
pushes the pending outbox in batches (marking each change only on its verdict),
then pulls pages and hands each one to the replica, which applies it together with
its cursor in one local transaction, so a cut sync resumes where it stopped.
"""

from __future__ import annotations

import functools
import gzip
import ssl
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from sync import PROTOCOL_VERSION
from sync.gcpause import gc_paused
from sync.protocol import (
    HEADER_PROTOCOL,
    HEADER_SCHEMA,
    MAX_PULL_LIMIT,
    Change,
    ConflictsReply,
    EnrollReply,
    EnrollRequest,
    Health,
    PullPage,
    PushReply,
    PushRequest,
    Verdict,
    WhoAmI,
)
from sync.replica import (
    GZIP_LEVEL,
    LocalReplica,
    PushBatch,
    ReportsPending,
    Resendable,
    SyncProgress,
    SyncResult,
    WireOutbox,
)

__all__ = [
    "BatchTooLarge",
    "SyncClient",
    "SyncError",
    "SyncProgress",
    "SyncResult",
    "Unauthorized",
    "Unreachable",
    "UpgradeRequired",
    "pull_all",
    "push_all",
    "resend_lost",
    "run_sync",
]

M = TypeVar("M", bound=BaseModel)


class SyncError(RuntimeError):
    """Sync could not go on; the message says why and what to do."""


class Unreachable(SyncError):
    """Headquarters did not answer."""


class Unauthorized(SyncError):
    """The device's token is missing, unknown or revoked (HTTP 401)."""


class UpgradeRequired(SyncError):
    """Headquarters speaks another protocol or schema version (HTTP 426)."""


class BatchTooLarge(SyncError):
    """The server refused a batch as too large (HTTP 413)."""


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The trust store for HTTPS, read once per process: httpx reads the whole CA bundle
    for each new client otherwise (tens of milliseconds, and a client is made per sync)."""
    return httpx.create_ssl_context()


class SyncClient:
    """HTTP client of the headquarters API; requests are gzip-compressed.

    A request that fails in transport, or with a 5xx, is tried again twice, after
    ``retry_pause`` seconds and then twice that.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        schema_version: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 120.0,
        protocol_version: int = PROTOCOL_VERSION,
        retry_pause: float = 0.5,
    ) -> None:
        headers = {
            HEADER_PROTOCOL: str(protocol_version),
            HEADER_SCHEMA: schema_version,
            "Accept-Encoding": "gzip",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.base_url = base_url.rstrip("/")
        self.retry_pause = retry_pause
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            transport=transport,
            timeout=timeout,
            verify=_tls_context(),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        body: BaseModel | None = None,
        raw_body: bytes | None = None,
        gzipped: bytes | None = None,
        params: dict[str, Any] | None = None,
        attempts: int = 3,
    ) -> M:
        reply = self._reply(
            method,
            path,
            body=body,
            raw_body=raw_body,
            gzipped=gzipped,
            params=params,
            attempts=attempts,
        )
        return model.model_validate_json(reply)

    def _reply(
        self,
        method: str,
        path: str,
        *,
        body: BaseModel | None = None,
        raw_body: bytes | None = None,
        gzipped: bytes | None = None,
        params: dict[str, Any] | None = None,
        attempts: int = 3,
    ) -> bytes:
        """The body of a successful reply (decompressed), retried as the class says."""
        content: bytes | None = gzipped
        headers: dict[str, str] = {}
        if body is not None:
            raw_body = body.model_dump_json().encode()
        if raw_body is not None:
            content = gzip.compress(raw_body, compresslevel=GZIP_LEVEL)
        if content is not None:
            headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        for attempt in range(attempts):
            try:
                reply = self._http.request(
                    method, path, content=content, params=params, headers=headers
                )
            except httpx.TransportError as err:
                if attempt + 1 < attempts:
                    time.sleep(self.retry_pause * (attempt + 1))
                    continue
                raise Unreachable(
                    f"cannot reach headquarters at {self.base_url}: {err}; "
                    "check the network and try again (nothing is lost)"
                ) from err
            if reply.status_code >= 500 and attempt + 1 < attempts:
                time.sleep(self.retry_pause * (attempt + 1))
                continue
            break
        _raise_for(reply)
        return reply.content

    def health(self) -> Health:
        """``GET /health``."""
        return self._send("GET", "/health", Health)

    def enroll(self, code: str, *, device_id: str, device_name: str = "") -> EnrollReply:
        """Trade a one-time code for this device's token (``device_id``: its clocks' node)."""
        req = EnrollRequest(code=code, device_id=device_id, device_name=device_name)
        return self._send("POST", "/v1/enroll", EnrollReply, body=req, attempts=1)

    def whoami(self) -> WhoAmI:
        """The device, user, role and scope of this token."""
        return self._send("GET", "/v1/me", WhoAmI)

    def push(self, changes: list[Change]) -> PushReply:
        """Push a batch; replaying it is harmless (exactly-once on the server)."""
        return self._send("POST", "/v1/push", PushReply, body=PushRequest(changes=changes))

    def push_body(self, body: bytes) -> PushReply:
        """Push a batch already encoded as the JSON of a :class:`PushRequest`."""
        return self._send("POST", "/v1/push", PushReply, raw_body=body)

    def push_gzipped(self, body: bytes) -> PushReply:
        """Push a batch already encoded and gzip-compressed (see :meth:`PushBatch.gzipped`)."""
        return self._send("POST", "/v1/push", PushReply, gzipped=body)

    def pull(
        self, cursor: str | None, limit: int | None = None, pending: int | None = None
    ) -> PullPage:
        """One page after ``cursor``; ``pending``: the changes waiting in the outbox, for
        HQ to show (left out when None)."""
        return PullPage.model_validate_json(self.pull_body(cursor, limit, pending))

    def pull_body(
        self, cursor: str | None, limit: int | None = None, pending: int | None = None
    ) -> bytes:
        """:meth:`pull` as the reply's JSON, not parsed."""
        params: dict[str, Any] = {}
        if cursor:
            params["cursor"] = cursor
        if limit:
            params["limit"] = limit
        if pending is not None:
            params["pending"] = pending
        return self._reply("GET", "/v1/pull", params=params)

    def conflicts(self, after: int) -> ConflictsReply:
        """Conflicts in scope recorded or resolved after revision ``after``."""
        return self._send("GET", "/v1/conflicts", ConflictsReply, params={"after": after})


def _raise_for(reply: httpx.Response) -> None:
    if reply.status_code < 400:
        return
    try:
        detail = str(reply.json().get("detail", reply.text))
    except ValueError:
        detail = reply.text[:300]
    if reply.status_code == 401:
        raise Unauthorized(f"headquarters refused this device: {detail}")
    if reply.status_code == 426:
        raise UpgradeRequired(detail)
    if reply.status_code == 413:
        raise BatchTooLarge(detail)
    raise SyncError(f"headquarters answered {reply.status_code}: {detail}")


def _grew(old: list[str] | None, new: list[str] | None) -> bool:
    if old is None:
        return False
    return new is None or not set(new) <= set(old)


def run_sync(
    client: SyncClient,
    replica: LocalReplica,
    *,
    batch: int = 1000,
    page_limit: int | None = MAX_PULL_LIMIT,
    on_progress: Callable[[SyncProgress], None] | None = None,
) -> SyncResult:
    """Push every pending change, then pull every page, then conflict markers.

    First, changes HQ lost to a restore from a backup are queued again
    (:func:`resend_lost`), so they go out before anything newer.
    """
    result = SyncResult()
    if isinstance(replica, Resendable):
        result.resent = resend_lost(client, replica)
    push_all(client, replica, batch=batch, on_progress=on_progress, result=result)
    pull_all(client, replica, page_limit=page_limit, on_progress=on_progress, result=result)
    return result


def resend_lost(client: SyncClient, replica: Resendable) -> int:
    """Queue again the synced changes above HQ's watermark for this device; how many.

    HQ restored from a backup has a lower watermark than what the laptop marked
    synced, and the changes in between are gone. They must be queued before any
    newer change is pushed: HQ answers every seq at or below its watermark
    ``duplicate`` without applying it, so a newer push would hide them for good.
    Sending them again is harmless (LWW on the original clocks is idempotent).
    Costs one ``GET /v1/me`` when anything was ever synced.
    """
    through = replica.synced_through()
    if through == 0:
        return 0
    watermark = client.whoami().watermark
    if watermark is None or watermark >= through:
        return 0
    return replica.resend_after(watermark)


def _teller(
    on_progress: Callable[[SyncProgress], None] | None,
) -> Callable[[str, int], None]:
    def tell(phase: str, done: int) -> None:
        if on_progress is not None:
            on_progress(SyncProgress(phase=phase, done=done))

    return tell


def _tally(result: SyncResult, verdicts: Sequence[Verdict]) -> None:
    """Count HQ's verdicts on a batch into ``result``."""
    for v in verdicts:
        result.pushed += 1
        if v.status == "applied":
            result.applied += 1
        elif v.status == "duplicate":
            result.duplicates += 1
        elif v.status == "conflict":
            result.conflicts += 1
        else:
            result.rejected += 1
            result.rejected_reasons.append(v.reason)


def _read_pending(replica: LocalReplica, limit: int, after_seq: int) -> PushBatch | None:
    """The next batch of pending changes (already in wire form when the replica can)."""
    if isinstance(replica, WireOutbox):
        return replica.pending_wire(limit, after_seq)
    return PushBatch.of(replica.pending(limit, after_seq))


def push_all(
    client: SyncClient,
    replica: LocalReplica,
    *,
    batch: int = 1000,
    on_progress: Callable[[SyncProgress], None] | None = None,
    result: SyncResult | None = None,
) -> SyncResult:
    """Push every pending change in batches, marking each on its verdict."""
    result = result if result is not None else SyncResult()
    tell = _teller(on_progress)

    def tally(verdicts: Sequence[Verdict]) -> None:
        _tally(result, verdicts)

    def read(limit: int, after_seq: int) -> PushBatch | None:
        return _read_pending(replica, limit, after_seq)

    # Batches go one at a time, in order (the server's watermark needs them so), but
    # the next batch is read and compressed, and the last verdicts recorded, while a
    # request is in flight. A verdict recorded late is harmless: a replay is answered
    # duplicate.
    size = batch
    with gc_paused(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-push") as http:

        def send(batch: PushBatch | None) -> Future[PushReply] | None:
            return http.submit(client.push_gzipped, batch.gzipped()) if batch else None

        current = read(size, 0)
        flight = send(current)
        while current is not None and flight is not None:
            upcoming = read(size, current.last_seq)
            packed = upcoming.gzipped() if upcoming is not None else b""
            try:
                reply = flight.result()
            except BatchTooLarge:
                if size == 1:
                    raise
                size = max(1, min(size, current.count) // 2)
                current = read(size, current.first_seq - 1)
                flight = send(current)
                continue
            if upcoming is not None and upcoming.count > size:
                upcoming = read(size, current.last_seq)
                packed = upcoming.gzipped() if upcoming is not None else b""
            flight = http.submit(client.push_gzipped, packed) if upcoming is not None else None
            replica.record_verdicts(reply.verdicts)
            tally(reply.verdicts)
            tell("push", result.pushed)
            current = upcoming
    return result


def pull_all(
    client: SyncClient,
    replica: LocalReplica,
    *,
    page_limit: int | None = MAX_PULL_LIMIT,
    on_progress: Callable[[SyncProgress], None] | None = None,
    result: SyncResult | None = None,
) -> SyncResult:
    """Pull every page after the stored cursor, then the conflict markers.

    Each request reports the changes still waiting in the outbox when the replica
    counts them (:class:`sync.replica.ReportsPending`)."""
    result = result if result is not None else SyncResult()
    tell = _teller(on_progress)
    pending = replica.pending_count() if isinstance(replica, ReportsPending) else None

    # The next page is fetched while this one is applied (its cursor is in the reply),
    # but the fetching thread only waits on HQ: the page is parsed, turned into rows
    # and written here, in one thread. A thread parsing or preparing Python objects
    # beside the writing one slowed the writes several times over for no gain: the
    # writer gives the GIL back at each row it inserts, and waits for it again.
    def fetch(cursor: str | None) -> bytes:
        return client.pull_body(cursor, page_limit, pending)

    def parse(body: bytes) -> PullPage:
        # tens of thousands of small objects that live until the page is written: the
        # cyclic collector walking them took 40% of parsing and preparing a page
        with gc_paused():
            return PullPage.model_validate_json(body)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-pull") as http:
        page = parse(fetch(replica.cursor()))
        if _grew(replica.scope(), page.scope):
            replica.forget_cursor()
            page = parse(fetch(None))
        while True:
            ahead = http.submit(fetch, page.cursor) if page.more else None
            try:
                with gc_paused():
                    done = replica.apply_page(page)
            except BaseException:
                if ahead is not None:
                    ahead.cancel()
                raise
            result.pages += 1
            result.pulled += done.stored
            result.removed += done.removed
            tell("pull", result.pulled)
            if ahead is None:
                break
            page = parse(ahead.result())

    conflicts = client.conflicts(replica.conflicts_after())
    result.new_conflicts = replica.apply_conflicts(conflicts)
    tell("conflicts", result.new_conflicts)
    return result
