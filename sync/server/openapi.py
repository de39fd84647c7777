"""The OpenAPI document: the contract an API tool can call the server from.

FastAPI writes the routes, their bodies and answers, and the bearer token scheme
(:data:`sync.server.routes.bearer`). This module adds what only the assembled
server knows: the version headers every versioned route needs, each with the
one value this server accepts (``X-Sync-Protocol``, ``X-Sync-Schema``), and the
models the hand-read request bodies refer to.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

from sync import PROTOCOL_VERSION
from sync.protocol import HEADER_PROTOCOL, HEADER_SCHEMA
from sync.server.gate import UNVERSIONED

__all__ = ["install_openapi", "version_parameters"]

_REF = "#/components/schemas/{model}"
_UPGRADE = {
    "description": "another protocol or schema version: please upgrade the device's program",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorReply"}}},
}


def version_parameters(schema_version: str) -> list[dict[str, Any]]:
    """The two version headers as OpenAPI parameters, each with its only accepted value."""
    return [
        {
            "name": HEADER_PROTOCOL,
            "in": "header",
            "required": True,
            "description": "the sync protocol version; another gets 426 (please upgrade)",
            "schema": {"type": "string", "enum": [str(PROTOCOL_VERSION)]},
        },
        {
            "name": HEADER_SCHEMA,
            "in": "header",
            "required": True,
            "description": "the application's data schema version; another gets 426",
            "schema": {"type": "string", "enum": [schema_version]},
        },
    ]


def _body_models(models: tuple[type[BaseModel], ...]) -> dict[str, Any]:
    """The schemas the hand-read bodies refer to (``$ref`` to a component)."""
    found: dict[str, Any] = {}
    for model in models:
        found.update(model.model_json_schema(ref_template=_REF).get("$defs", {}))
    return found


def install_openapi(
    app: FastAPI, schema_version: str, body_models: tuple[type[BaseModel], ...]
) -> None:
    """Make ``app``'s OpenAPI document declare the version headers and the body models."""

    def document() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        for name, body in _body_models(body_models).items():
            schemas.setdefault(name, body)
        headers = version_parameters(schema_version)
        for path, operations in doc.get("paths", {}).items():
            if path.startswith(UNVERSIONED):
                continue
            for operation in operations.values():
                operation["parameters"] = [*headers, *operation.get("parameters", [])]
                operation.setdefault("responses", {})["426"] = _UPGRADE
        app.openapi_schema = doc
        return doc

    app.openapi = document  # type: ignore[method-assign]
