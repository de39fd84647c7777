"""Big bodies: refused on Content-Length, and read no further than the limit while streamed.

A real ``fieldkit serve`` process receives a 400 MB body streamed in chunks
(no Content-Length), plain and gzip (a gzip of zeros inflates a thousandfold;
random bytes do not shrink), on the push (with a token) and on the enrollment
(no token needed). Each gets 413 with a message, HQ's peak memory (VmHWM of
the server process) grows by far less than the body, and the client could
send only about the limit before HQ answered. A body that declares 400 MB is
refused before a byte of it is sent.
"""

from __future__ import annotations

import os
import random
import select
import socket
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sync.server import ServerSettings
from tests.hostile.hostile_kit import Hq, Laptop, serve, versioned

MB = 1024 * 1024
BODY = 400 * MB
LIMIT = ServerSettings().max_body_bytes
ENROLL_LIMIT = ServerSettings().max_enroll_bytes
GROWTH = 3 * LIMIT
"""What HQ's peak memory may grow by (the body's limit, its chunks, and slack)."""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def big_hq(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hq]:
    """A server of its own, so its peak memory is this module's alone."""
    with serve(request.param, tmp_path_factory.mktemp("big")) as server:
        yield server


def peak_rss(hq: Hq) -> int:
    """The server process's peak resident memory so far, in bytes (VmHWM)."""
    for line in Path(f"/proc/{hq.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


def plain_chunks(total: int) -> Iterator[bytes]:
    """``total`` bytes of a JSON-looking body, 1 MB at a time."""
    block = b'{"changes":[' + b" " * (MB - 12)
    for _ in range(total // MB):
        yield block
        block = b" " * MB


def gzip_chunks(total: int, noise: bool) -> Iterator[bytes]:
    """The gzip of ``total`` bytes (zeros, or random bytes that do not shrink), as made."""
    z = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = random.Random(7).randbytes(MB) if noise else bytes(MB)
    for _ in range(total // MB):
        out = z.compress(block)
        if out:
            yield out
    yield z.flush()


@dataclass
class Reply:
    """What the raw client saw: HQ's status, headers and body, and how much it sent."""

    status: int
    headers: dict[str, str]
    body: bytes
    sent: int


def _read_reply(sock: socket.socket, start: bytes) -> tuple[int, dict[str, str], bytes]:
    data = start
    sock.settimeout(20)
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            break
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    size = int(headers.get("content-length", "0"))
    while len(body) < size:
        more = sock.recv(65536)
        if not more:
            break
        body += more
    return int(lines[0].split()[1]), headers, body


def stream(
    hq: Hq, path: str, headers: dict[str, str], chunks: Iterator[bytes], declared: int | None
) -> Reply:
    """POST ``chunks`` to ``path`` over a raw socket until HQ answers; what it answered.

    Without ``declared`` the body goes chunked (no Content-Length), as a streaming
    client sends it; a send that HQ no longer reads (its buffers full) ends the
    sending too.
    """
    sock = socket.create_connection(("127.0.0.1", hq.port))
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append(
        f"Content-Length: {declared}" if declared is not None else "Transfer-Encoding: chunked"
    )
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    sent, early = 0, b""
    wait = 10.0 if declared is not None else 0.0  # a declared size may be refused at once
    try:
        for chunk in chunks:
            readable, _, _ = select.select([sock], [], [], wait)
            if readable:
                break
            frame = chunk if declared is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk)
            sock.settimeout(5)
            sock.sendall(frame)
            sent += len(chunk)
        else:
            if declared is None:
                sock.sendall(b"0\r\n\r\n")
    except (TimeoutError, BrokenPipeError, ConnectionResetError):
        pass
    try:
        status, reply_headers, body = _read_reply(sock, early)
    finally:
        sock.close()
    return Reply(status, reply_headers, body, sent)


def _cases(hq: Hq, tmp: Path) -> list[tuple[str, str, dict[str, str], int]]:
    """(name, path, headers, limit) of the two doors: push with a token, enroll without."""
    device = Laptop(hq, tmp, "admin")
    return [
        ("push", "/v1/push", versioned(device.token), LIMIT),
        ("enroll", "/v1/enroll", versioned(), ENROLL_LIMIT),
    ]


@pytest.mark.parametrize("encoding", ["plain", "gzip-zeros", "gzip-noise"])
def test_a_400_mb_streamed_body_is_refused_at_the_limit_with_bounded_memory(
    big_hq: Hq, tmp_path: Path, encoding: str
) -> None:
    for name, path, headers, limit in _cases(big_hq, tmp_path):
        before = peak_rss(big_hq)
        if encoding == "plain":
            chunks, extra = plain_chunks(BODY), {}
        else:
            chunks = gzip_chunks(BODY, noise=encoding == "gzip-noise")
            extra = {"Content-Encoding": "gzip"}
        reply = stream(big_hq, path, {**headers, **extra}, chunks, declared=None)
        assert reply.status == 413, (name, reply)
        assert f"over {limit} bytes".encode() in reply.body, (name, reply.body)
        grown = peak_rss(big_hq) - before
        assert grown < GROWTH, f"{name}: HQ's peak memory grew by {grown // MB} MB"
        assert reply.sent < limit + 48 * MB, f"{name}: HQ read {reply.sent // MB} MB"


def test_a_body_declaring_400_mb_is_refused_before_it_is_sent(big_hq: Hq, tmp_path: Path) -> None:
    for name, path, headers, limit in _cases(big_hq, tmp_path):
        for extra in ({}, {"Content-Encoding": "gzip"}):
            reply = stream(big_hq, path, {**headers, **extra}, iter([os.urandom(16)]), BODY)
            assert reply.status == 413, (name, reply)
            assert reply.sent == 0, name  # answered before the first byte of the body
            assert f"over {limit} bytes".encode() in reply.body
