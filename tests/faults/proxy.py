"""A real TCP proxy on 127.0.0.1 that breaks HTTP exchanges on purpose.

It sits between a laptop's sync client and a real ``fieldkit serve`` process and
relays HTTP/1.1 one exchange at a time (keep-alive connections included). For
every request it asks its *policy* what to do:

- ``pass``: relay the request and the response unchanged;
- ``cut_request``: send only part of the request upstream, then close both sides
  (the request never fully arrives, so HQ must not act on it);
- ``cut_response``: relay the whole request, read HQ's whole response (so HQ has
  committed) and give the laptop only part of it before closing (the laptop never
  hears the verdict);
- ``delay``: hold the response back for a while, then relay it;
- ``refuse``: reset the laptop's connection before anything is relayed.

:meth:`FaultProxy.down` closes the listening socket (real ``ECONNREFUSED``) until
:meth:`FaultProxy.up`. Policies are :class:`Script` (a fault list per endpoint,
consumed in order) and :class:`RandomFaults` (seeded, reproducible). Every
exchange is logged in :attr:`FaultProxy.log`.
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO, Literal

__all__ = [
    "PASS",
    "Exchange",
    "Fault",
    "FaultKind",
    "FaultProxy",
    "Policy",
    "RandomFaults",
    "Request",
    "Script",
    "cut_request",
    "cut_response",
    "delay",
    "refuse",
]

FaultKind = Literal["pass", "cut_request", "cut_response", "delay", "refuse"]


@dataclass(frozen=True)
class Fault:
    """What to do with one exchange; ``fraction`` of the bytes get through on a cut."""

    kind: FaultKind = "pass"
    fraction: float = 0.0
    seconds: float = 0.0


PASS = Fault()


def cut_request(fraction: float = 0.5) -> Fault:
    """Relay only ``fraction`` of the request's bytes, then hang up."""
    return Fault("cut_request", fraction=fraction)


def cut_response(fraction: float = 0.0) -> Fault:
    """Let HQ answer in full, give the laptop only ``fraction`` of the answer."""
    return Fault("cut_response", fraction=fraction)


def delay(seconds: float) -> Fault:
    """Hold HQ's answer back ``seconds`` before relaying it."""
    return Fault("delay", seconds=seconds)


def refuse() -> Fault:
    """Reset the laptop's connection without relaying anything."""
    return Fault("refuse")


@dataclass(frozen=True)
class Request:
    """The head of one relayed request."""

    method: str
    target: str
    size: int

    @property
    def path(self) -> str:
        """The target without its query string."""
        return self.target.split("?", 1)[0]

    @property
    def endpoint(self) -> str:
        """``METHOD /path``, what policies match on."""
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Exchange:
    """One request the proxy saw, the fault it applied and HQ's status (if HQ answered)."""

    index: int
    request: Request
    fault: Fault
    status: int | None


Policy = Callable[[Request], Fault]


class Script:
    """Faults per endpoint (``"POST /v1/push"``), taken in order; then everything passes.

    ``Script({"POST /v1/push": [cut_response()] * 3})`` cuts the answers of the first
    three pushes.
    """

    def __init__(self, plan: dict[str, list[Fault]]) -> None:
        self._plan = {k: list(v) for k, v in plan.items()}
        self._lock = threading.Lock()

    def __call__(self, req: Request) -> Fault:
        with self._lock:
            queue = self._plan.get(req.endpoint)
            return queue.pop(0) if queue else PASS

    def remaining(self) -> int:
        """Faults not applied yet."""
        with self._lock:
            return sum(len(v) for v in self._plan.values())


class RandomFaults:
    """Seeded random faults: each request gets at most one, with the given probabilities.

    ``endpoints`` limits faults to those endpoints (empty: all but ``/health``);
    ``limit`` bounds the number of faults applied in total; ``burst`` > 1 makes a
    fault last for up to that many consecutive requests of the same kind (an outage
    longer than the client's own retries).
    """

    def __init__(
        self,
        seed: int,
        *,
        cut_request: float = 0.0,
        cut_response: float = 0.0,
        refuse: float = 0.0,
        delay: float = 0.0,
        max_delay: float = 0.2,
        endpoints: tuple[str, ...] = (),
        limit: int | None = None,
        burst: int = 1,
    ) -> None:
        self._rng = random.Random(seed)
        self._rates: list[tuple[FaultKind, float]] = [
            ("cut_request", cut_request),
            ("cut_response", cut_response),
            ("refuse", refuse),
            ("delay", delay),
        ]
        self._max_delay = max_delay
        self._endpoints = endpoints
        self._left = limit
        self._burst = burst
        self._streak: list[Fault] = []
        self._lock = threading.Lock()
        self.applied = 0

    def __call__(self, req: Request) -> Fault:
        with self._lock:
            if req.path == "/health" or (self._endpoints and req.endpoint not in self._endpoints):
                return PASS
            roll = self._rng.random()
            fraction = self._rng.random()
            if self._left is not None and self._left <= 0:
                return PASS
            if self._streak:
                return self._take(self._streak.pop())
            for kind, rate in self._rates:
                if roll < rate:
                    fault = Fault(kind, fraction=fraction, seconds=fraction * self._max_delay)
                    more = self._rng.randint(1, self._burst) - 1
                    self._streak = [Fault(kind, fraction=self._rng.random())] * more
                    return self._take(fault)
                roll -= rate
            return PASS

    def _take(self, fault: Fault) -> Fault:
        self.applied += 1
        if self._left is not None:
            self._left -= 1
        return fault


class _Closed(Exception):
    """The peer closed the connection before a whole message arrived."""


def _read_line(f: BinaryIO) -> bytes:
    line = f.readline(65537)
    if not line.endswith(b"\n"):
        raise _Closed
    return line


def _read_message(f: BinaryIO, *, request: bool, method: str = "") -> tuple[bytes, str, int]:
    """One whole HTTP/1.1 message as raw bytes, its first line and (responses) status."""
    first = f.readline(65537)
    if not first:
        raise EOFError
    if not first.endswith(b"\n"):
        raise _Closed
    parts = [first]
    length: int | None = None
    chunked = False
    closes = False
    while True:
        line = _read_line(f)
        parts.append(line)
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode("latin-1").partition(":")
        key = name.strip().lower()
        if key == "content-length":
            length = int(value.strip())
        elif key == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif key == "connection" and "close" in value.lower():
            closes = True
    status = 0
    if not request:
        status = int(first.split()[1])
    no_body = (not request) and (method == "HEAD" or status < 200 or status in (204, 304))
    if no_body:
        pass
    elif chunked:
        while True:
            size_line = _read_line(f)
            parts.append(size_line)
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:
                    trailer = _read_line(f)
                    parts.append(trailer)
                    if trailer in (b"\r\n", b"\n"):
                        break
                break
            chunk = f.read(size + 2)
            if len(chunk) != size + 2:
                raise _Closed
            parts.append(chunk)
    elif length is not None:
        body = f.read(length)
        if len(body) != length:
            raise _Closed
        parts.append(body)
    elif not request and closes:
        parts.append(f.read())
    return b"".join(parts), first.decode("latin-1").strip(), status


def _reset(sock: socket.socket) -> None:
    """Close with RST (SO_LINGER 0), as a dropped link looks to the other side."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@dataclass(eq=False)
class _Conn:
    client: socket.socket
    upstream: socket.socket | None = None
    files: list[BinaryIO] = field(default_factory=list)

    def close(self) -> None:
        for f in self.files:
            with contextlib.suppress(OSError):
                f.close()
        for s in (self.client, self.upstream):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()


class FaultProxy:
    """A threaded HTTP-aware TCP proxy from 127.0.0.1:``port`` to ``upstream_port``."""

    def __init__(
        self, upstream_port: int, *, policy: Policy | None = None, host: str = "127.0.0.1"
    ) -> None:
        self.upstream = (host, upstream_port)
        self.host = host
        self.policy: Policy = policy or (lambda _req: PASS)
        self.log: list[Exchange] = []
        self._lock = threading.Lock()
        self._conns: set[_Conn] = set()
        self._listener: socket.socket | None = None
        self._acceptor: threading.Thread | None = None
        self._stopping = False
        self.port = 0
        self.up()

    # lifecycle
    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: give this to the laptop as HQ's address."""
        return f"http://{self.host}:{self.port}"

    def up(self) -> None:
        """Listen (again, on the same port) and relay."""
        if self._listener is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        self._listener = sock
        self._stopping = False
        self._acceptor = threading.Thread(
            target=self._accept, args=(sock,), name="fault-proxy-accept", daemon=True
        )
        self._acceptor.start()

    def down(self) -> None:
        """Stop listening and drop every open connection: connects get ECONNREFUSED."""
        sock, self._listener = self._listener, None
        if sock is None:
            return
        self._stopping = True
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        if self._acceptor is not None:
            self._acceptor.join(timeout=5)
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            conn.close()

    def close(self) -> None:
        """Stop for good."""
        self.down()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # what happened
    def faults(self, kind: FaultKind | None = None) -> list[Exchange]:
        """Exchanges that got a fault (of ``kind``)."""
        with self._lock:
            return [
                e
                for e in self.log
                if e.fault.kind != "pass" and (kind is None or e.fault.kind == kind)
            ]

    def requests(self, endpoint: str) -> list[Exchange]:
        """Exchanges of one endpoint (``"GET /v1/pull"``)."""
        with self._lock:
            return [e for e in self.log if e.request.endpoint == endpoint]

    # relaying
    def _accept(self, listener: socket.socket) -> None:
        while not self._stopping:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            conn = _Conn(client)
            with self._lock:
                self._conns.add(conn)
            threading.Thread(
                target=self._serve, args=(conn,), name="fault-proxy-conn", daemon=True
            ).start()

    def _record(self, req: Request, fault: Fault, status: int | None) -> None:
        with self._lock:
            self.log.append(Exchange(len(self.log), req, fault, status))

    def _serve(self, conn: _Conn) -> None:
        client_in = conn.client.makefile("rb")
        conn.files.append(client_in)
        upstream_in: BinaryIO | None = None
        try:
            while True:
                try:
                    raw, first, _ = _read_message(client_in, request=True)
                except (EOFError, _Closed, OSError, ValueError):
                    return
                method, target = ([*first.split(" "), "", ""])[:2]
                req = Request(method=method, target=target, size=len(raw))
                fault = self.policy(req)
                if fault.kind == "refuse":
                    self._record(req, fault, None)
                    _reset(conn.client)
                    return
                if fault.kind == "cut_request":
                    self._record(req, fault, None)
                    keep = min(int(len(raw) * fault.fraction), len(raw) - 1)
                    with socket.create_connection(self.upstream, timeout=30) as up:
                        up.sendall(raw[:keep])
                    _reset(conn.client)
                    return
                if conn.upstream is None:
                    conn.upstream = socket.create_connection(self.upstream, timeout=120)
                    upstream_in = conn.upstream.makefile("rb")
                    conn.files.append(upstream_in)
                assert upstream_in is not None
                conn.upstream.sendall(raw)
                try:
                    answer, _, status = _read_message(upstream_in, request=False, method=method)
                except (EOFError, _Closed, OSError, ValueError):
                    self._record(req, fault, None)
                    return
                self._record(req, fault, status)
                if fault.kind == "cut_response":
                    keep = min(int(len(answer) * fault.fraction), len(answer) - 1)
                    if keep:
                        conn.client.sendall(answer[:keep])
                    _reset(conn.client)
                    return
                if fault.kind == "delay":
                    time.sleep(fault.seconds)
                conn.client.sendall(answer)
        except OSError:
            return
        finally:
            conn.close()
            with self._lock:
                self._conns.discard(conn)
