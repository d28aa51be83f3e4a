"""The OpenAPI document is the API's contract: every operation that answers with JSON says what
that JSON is (a named model, a list of one, or a map of one), never just "an object"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import TypeAdapter, ValidationError

from pledge.accounts.services import issue_api_token
from pledge.accounts.tables import users
from pledge.bootstrap import build
from pledge.config import Settings
from pledge.web.app import create_app
from tests.conftest import demo_copy

JSON_TYPES = ("application/json", "application/problem+json")


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    var_dir = tmp_path_factory.mktemp("openapi")
    app = build(Settings(database_url=f"sqlite:///{var_dir}/pledge.db", var_dir=var_dir))
    try:
        return create_app(app, run_worker=False).openapi()
    finally:
        app.uow.engine.dispose()


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def describes(doc: dict[str, Any], schema: dict[str, Any] | None) -> bool:
    """True when the schema says what the JSON holds: named properties, or a list or a map
    of something that does (or of plain values)."""
    if not schema:
        return False
    schema = _resolve(doc, schema)
    if "anyOf" in schema:
        return all(describes(doc, s) or s.get("type") == "null" for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        return describes(doc, schema.get("items"))
    if kind == "object":
        if schema.get("properties"):
            return True
        extra = schema.get("additionalProperties")
        return isinstance(extra, dict) and describes(doc, extra)
    return kind in ("string", "integer", "number", "boolean")


def json_operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            answers = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
            if any(t in r.get("content", {}) for r in answers.values() for t in JSON_TYPES):
                found.append((method.upper(), path, answers))
    return found


def test_every_json_operation_describes_its_answer(document: dict[str, Any]) -> None:
    vague = []
    for method, path, answers in json_operations(document):
        for code, answer in answers.items():
            content = answer.get("content", {})
            schema = next((content[t].get("schema") for t in JSON_TYPES if t in content), None)
            if schema is not None and not describes(document, schema):
                vague.append(f"{method} {path} {code}: {schema}")
    assert vague == []


def test_the_api_is_described_at_all(document: dict[str, Any]) -> None:
    assert len(json_operations(document)) > 80


def test_the_check_refuses_a_bare_object() -> None:
    doc: dict[str, Any] = {"components": {"schemas": {}}}
    assert not describes(doc, {"type": "object", "additionalProperties": True})
    assert not describes(doc, {"type": "array", "items": {"type": "object", "additionalProperties": True}})
    assert not describes(doc, {})
    assert describes(doc, {"type": "object", "properties": {"id": {"type": "integer"}}})


# ---------------------------------------------------------------- the models are true

DEMO_ROLES = ("buyer@pledge.demo", "florist@pledge.demo", "operator@pledge.demo", "finance@pledge.demo")


@pytest.fixture(scope="module")
def demo_client(
    tmp_path_factory: pytest.TempPathFactory, seeded_demo
) -> Iterator[tuple[TestClient, list[str]]]:
    settings = demo_copy(seeded_demo, tmp_path_factory.mktemp("demo"))
    app = build(settings)
    with app.uow.begin() as conn:
        tokens = [
            issue_api_token(
                conn,
                user_id=conn.execute(users.select().where(users.c.email == email)).one().id,
                at=app.clock.now(),
            )
            for email in DEMO_ROLES
        ]
    with TestClient(create_app(app, run_worker=False)) as client:
        yield client, tokens
    app.uow.engine.dispose()


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)


def described_reads(app: FastAPI) -> list[tuple[str, Any]]:
    """(path, model) of every GET operation under /api/v1 that declares a model for its 200."""
    return [
        (route.path, route.responses[200]["model"])
        for route in _routes(app.routes)
        if "GET" in route.methods and "model" in route.responses.get(200, {})
    ]


def test_what_the_demo_answers_fits_the_declared_models(demo_client: tuple[TestClient, list[str]]) -> None:
    """Every described read, called with id 1 for each path parameter as each demo account:
    each 200 answer validates against the model the document declares for it."""
    client, tokens = demo_client
    checked, wrong = 0, []
    for path, model in described_reads(client.app):
        url = re.sub(r"\{[a-z_]+\}", "1", path)
        url = url.replace("/gates/1", "/gates/ad_spend").replace("/indicators/1", "/indicators/logistics")
        for token in tokens:
            answer = client.get(f"/api/v1{url}", headers={"Authorization": f"Bearer {token}"})
            if answer.status_code != 200:
                continue
            checked += 1
            try:
                TypeAdapter(model).validate_python(answer.json())
            except ValidationError as exc:
                wrong.append(f"{path}: {exc.errors()[:2]}")
            break
    assert wrong == [], "\n".join(wrong)
    print(f"{checked} answers checked")
    assert checked >= 25
