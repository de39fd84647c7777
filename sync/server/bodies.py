"""Reading request bodies: gzip, size limit, and the fast path for well-formed pushes."""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple, TypeVar

import orjson
from fastapi import HTTPException, Request
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from sync.protocol import ID_PATTERN, MAX_REV, PushRequest

__all__ = ["body_schema", "first_error", "push_changes", "read_raw", "validate"]

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger("sync.server")
_ID = re.compile(ID_PATTERN)


def _too_large(max_bytes: int) -> HTTPException:
    return HTTPException(413, f"request body over {max_bytes} bytes: send smaller batches")


def _declared_size(request: Request, max_bytes: int) -> None:
    """Refuse a body whose ``Content-Length`` is over the limit before reading any of it."""
    declared = request.headers.get("Content-Length")
    if declared is None:
        return
    if not declared.isascii() or not declared.isdigit():
        raise HTTPException(400, "Content-Length is not a number of bytes")
    if int(declared) > max_bytes:
        raise _too_large(max_bytes)


class _Inflater:
    """Gunzips a body piece by piece, refusing (413) as soon as it passes the limit."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def feed(self, chunk: bytes) -> bytes:
        """The plain bytes of ``chunk`` (at most the limit in all, else 413)."""
        try:
            out = self._z.decompress(chunk, self.max_bytes + 1 - self.size)
        except zlib.error as err:
            raise HTTPException(400, f"the body is not valid gzip: {err}") from err
        self.size += len(out)
        if self.size > self.max_bytes:
            raise _too_large(self.max_bytes)
        return out

    def finish(self) -> None:
        """The gzip stream ended where the body did (else 400)."""
        if not self._z.eof:
            raise HTTPException(400, "the gzip body is cut short")


async def read_raw(request: Request, max_bytes: int) -> bytes:
    """The request body, gunzipped when it says so; 400 when cut or not gzip, 413 when large.

    Nothing past the limit is ever read or inflated: a ``Content-Length`` over it
    is refused before the body is read, and a streamed body is refused at the
    first chunk that passes it (compressed or plain), so a huge or endless body
    costs headquarters at most the limit in memory.
    """
    _declared_size(request, max_bytes)
    inflater = (
        _Inflater(max_bytes)
        if request.headers.get("Content-Encoding", "").lower() == "gzip"
        else None
    )
    parts: list[bytes] = []
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes:
                raise _too_large(max_bytes)
            parts.append(chunk if inflater is None else inflater.feed(chunk))
    except ClientDisconnect as err:
        # a link cut mid-body: nothing was read, so nothing is written (the client
        # sends again); one line in the log, not a traceback that looks like a bug
        log.warning(
            "%s %s: the client went away before its body arrived; nothing written",
            request.method,
            request.url.path,
        )
        raise HTTPException(400, "the request body did not arrive in full") from err
    if inflater is not None:
        inflater.finish()
    return b"".join(parts)


def first_error(errors: Sequence[Any], what: str) -> str:
    """One line naming where the first of pydantic's ``errors`` is and what it says."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid"}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"bad {what} at {where or 'top'}: {first.get('msg', 'invalid')}"


def validate(raw: bytes, model: type[M]) -> M:
    """``raw`` as a ``model``; 422 naming the first field that does not fit."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as err:
        raise HTTPException(422, first_error(err.errors(), "request body")) from err


class WireChange(NamedTuple):
    """A pushed change read by the fast path (the fields of :class:`sync.protocol.Change`)."""

    seq: int
    tbl: str
    id: str
    data: dict[str, Any]
    hlc: str
    seen_rev: int


def _plain(c: Any) -> WireChange | None:
    """One change of the body when every field has exactly its type, else None."""
    seq, tbl, row_id, data = c["seq"], c["tbl"], c["id"], c["data"]
    hlc, seen = c["hlc"], c["seen_rev"]
    if (
        type(seq) is not int
        or not 1 <= seq <= MAX_REV
        or type(tbl) is not str
        or type(row_id) is not str
        or type(data) is not dict
        or type(hlc) is not str
        or len(hlc) > 120
        or type(seen) is not int
        or not 0 <= seen <= MAX_REV
        or _ID.fullmatch(row_id) is None
        or _ID.fullmatch(tbl) is None
    ):
        return None
    return WireChange(seq, tbl, row_id, data, hlc, seen)


def fast_changes(raw: bytes) -> list[WireChange] | None:
    """The changes of a push body when every one is plainly well-formed, else None.

    Checks what :class:`PushRequest` checks, with exact types only; anything else
    (including values pydantic would coerce) goes through pydantic, which also
    words the error.
    """
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    items = body.get("changes") if type(body) is dict else None
    if type(items) is not list:
        return None
    out: list[WireChange] = []
    try:
        for c in items:
            change = _plain(c)
            if change is None:
                return None
            out.append(change)
    except (TypeError, KeyError):
        return None
    return out


def push_changes(raw: bytes, max_batch: int) -> Sequence[Any]:
    """The changes of a push body (422 when malformed, 413 when more than ``max_batch``)."""
    changes: Sequence[Any] | None = fast_changes(raw)
    if changes is None:
        changes = validate(raw, PushRequest).changes
    if len(changes) > max_batch:
        raise HTTPException(
            413,
            f"{len(changes)} changes in one push; the limit is {max_batch}: send smaller batches",
        )
    return changes


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """OpenAPI ``requestBody`` of a route that reads its body itself."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
            "description": "JSON, optionally with Content-Encoding: gzip",
        }
    }
