"""The OpenAPI document is the contract: an API tool calls HQ from it alone.

Against a real ``fieldkit serve`` on SQLite and PostgreSQL:

- the document declares the bearer token (a security scheme on every route that
  needs it) and the two version headers, each with the one value HQ accepts;
  a client that builds its requests from nothing but the document (its header
  parameters, its security scheme, the token enrollment returned) is answered 200;
- schemathesis generates requests from the document, valid and invalid, a
  bounded number per operation: no answer is a 5xx, every status is one the
  document lists, every body fits its documented schema.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hostile.hostile_kit import Hq, Laptop


@pytest.fixture(scope="module")
def laptop(hq: Hq, tmp_path_factory: pytest.TempPathFactory) -> Laptop:
    """An admin laptop, for its token."""
    return Laptop(hq, tmp_path_factory.mktemp("contract"), "admin")


def _declared_headers(doc: dict[str, Any], path: str, method: str) -> dict[str, str]:
    """The header parameters the document declares for an operation, at their only value."""
    out: dict[str, str] = {}
    for param in doc["paths"][path][method].get("parameters", []):
        if param["in"] == "header":
            assert param["required"] is True
            (value,) = param["schema"]["enum"]
            out[param["name"]] = value
    return out


def _declared_auth(doc: dict[str, Any], path: str, method: str, token: str) -> dict[str, str]:
    """The Authorization header the operation's security scheme describes."""
    (requirement,) = doc["paths"][path][method]["security"]
    (scheme_name,) = requirement
    scheme = doc["components"]["securitySchemes"][scheme_name]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    return {"Authorization": f"Bearer {token}"}


def test_a_client_built_from_the_document_alone_is_answered(hq: Hq, laptop: Laptop) -> None:
    doc = httpx.get(f"{hq.url}/openapi.json").json()
    for path in ("/v1/me", "/v1/pull", "/v1/conflicts"):
        headers = {
            **_declared_headers(doc, path, "get"),
            **_declared_auth(doc, path, "get", laptop.token),
        }
        reply = httpx.get(f"{hq.url}{path}", headers=headers)
        assert reply.status_code == 200, (path, reply.text)
    me = httpx.get(
        f"{hq.url}/v1/me",
        headers={
            **_declared_headers(doc, "/v1/me", "get"),
            **_declared_auth(doc, "/v1/me", "get", laptop.token),
        },
    ).json()
    assert me["device_id"] == laptop.device_id
    assert me["user"] == laptop.user
    # the headers the document declares are the ones HQ checks: without them, 426
    bare = httpx.get(f"{hq.url}/v1/me", headers={"Authorization": f"Bearer {laptop.token}"})
    assert bare.status_code == 426
    assert "security" not in doc["paths"]["/v1/enroll"]["post"]
    assert "security" not in doc["paths"]["/health"]["get"]


@pytest.fixture(scope="module")
def api(hq: Hq) -> Any:
    """HQ's OpenAPI document as schemathesis reads it, for valid and invalid requests."""
    schema = schemathesis.openapi.from_url(f"{hq.url}/openapi.json")
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return schema


fuzzed = schemathesis.pytest.from_fixture("api")


@fuzzed.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_documented_answers_and_never_a_5xx(
    case: Any, hq: Hq, laptop: Laptop
) -> None:
    headers = {"Authorization": f"Bearer {laptop.token}"} if case.path != "/v1/enroll" else {}
    case.call_and_validate(
        base_url=hq.url,
        headers=headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
