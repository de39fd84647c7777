"""Reading request bodies: gzip, size limit, and the fast path for well-formed pushes."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple, TypeVar

import orjson
from fastapi import HTTPException, Request
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect

from sync.protocol import PushRequest

__all__ = ["body_schema", "push_changes", "read_raw", "validate"]

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger("sync.server")


async def read_raw(request: Request, max_bytes: int) -> bytes:
    """The request body, gunzipped when it says so; 400 when cut or not gzip, 413 when large."""
    try:
        raw = await request.body()
    except ClientDisconnect as err:
        # a link cut mid-body: nothing was read, so nothing is written (the client
        # sends again); one line in the log, not a traceback that looks like a bug
        log.warning(
            "%s %s: the client went away before its body arrived; nothing written",
            request.method,
            request.url.path,
        )
        raise HTTPException(400, "the request body did not arrive in full") from err
    if request.headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw, max_bytes + 1)
        except zlib.error as err:
            raise HTTPException(400, f"the body is not valid gzip: {err}") from err
    if len(raw) > max_bytes:
        raise HTTPException(413, f"request body over {max_bytes} bytes: send smaller batches")
    return raw


def validate(raw: bytes, model: type[M]) -> M:
    """``raw`` as a ``model``; 422 naming the first field that does not fit."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise HTTPException(422, f"bad request body at {where or 'top'}: {first['msg']}") from err


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
        or seq < 1
        or type(tbl) is not str
        or type(row_id) is not str
        or not 0 < len(row_id) <= 64
        or type(data) is not dict
        or type(hlc) is not str
        or type(seen) is not int
        or seen < 0
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
