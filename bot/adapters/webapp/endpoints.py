"""The API's endpoints as data — method, path, inputs, output — from which both the aiohttp
routes and the OpenAPI 3.1 document are made, so the document cannot drift from the code.

Each handler receives the request's Context (bot/adapters/webapp/acting.py) and its
validated inputs, and returns a pydantic model; path parameters are ``{name}`` integers.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from bot.adapters.http import read_body
from bot.adapters.webapp.errors import ApiError
from bot.adapters.webapp.schemas import MAX_ID, ErrorBody
from bot.bodies import BodyLimits
from bot.context import Context


@dataclass(frozen=True)
class Later:
    """An answer to finish after the request's transaction has closed: slow work such as
    drawing a chart must not hold the database (on SQLite, the one writer's turn)."""

    finish: Callable[[], Awaitable[BaseModel]]


Handler = Callable[[Context, dict[str, Any]], Awaitable[BaseModel | Later]]
REF = "#/components/schemas/{model}"
ERRORS = {
    "401": "not signed in, or the token is revoked",
    "404": "no such record, or not one you may see",
    "422": "invalid input; `fields` names them",
    "429": "too many requests; see Retry-After",
}
WRITE_ERRORS = {
    "403": "not allowed (a page session without its X-CSRF-Token, a field masked for you)",
    "409": "conflicts with the record as it is now (e.g. needs a manager's approval)",
}
"""What a write (any method but GET) may also answer."""
BODY_ERRORS = {
    "400": "the body is not JSON",
    "413": "the body is too large",
}
"""What a request with a body may also answer, before its fields are read."""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    """Relative to ``/api/v1``."""
    summary: str
    handler: Handler
    response: type[BaseModel]
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    status: int = 200
    tag: str = "records"

    @property
    def operation_id(self) -> str:
        return self.handler.__name__

    @property
    def path_params(self) -> list[str]:
        return [part[1:-1] for part in self.path.split("/") if part.startswith("{")]


async def read_inputs(
    endpoint: Endpoint, request: web.Request, limits: BodyLimits
) -> dict[str, Any]:
    """Path ids, the query model and the body model, validated; bad input -> 422. The
    body is read under the server's time limit (the request is authenticated by now)."""
    inputs: dict[str, Any] = {}
    for name in endpoint.path_params:
        raw = request.match_info[name]
        if not raw.isdigit() or len(raw) > 10 or int(raw) > MAX_ID:
            raise ApiError(404)  # names no record (and PostgreSQL would refuse the number)
        inputs[name] = int(raw)
    try:
        if endpoint.query is not None:
            inputs["query"] = endpoint.query.model_validate(dict(request.query))
        if endpoint.body is not None:
            try:
                data = json.loads(await read_body(limits, request, verified=True) or b"null")
            except (ValueError, UnicodeDecodeError):
                raise ApiError(400, message_key="webapp.errors.bad_json") from None
            inputs["body"] = endpoint.body.model_validate(data)
    except ValidationError as exc:
        fields = tuple(".".join(str(p) for p in err["loc"]) or "body" for err in exc.errors())
        raise ApiError(422, fields=fields) from None
    return inputs


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
        }
        for name in endpoint.path_params
    ]
    if endpoint.query is not None:
        schema = endpoint.query.model_json_schema()
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            params.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in required,
                    "schema": {k: v for k, v in prop.items() if k != "title"},
                }
            )
    return params


def openapi_document(endpoints: list[Endpoint], *, title: str, version: str) -> dict[str, Any]:
    """OpenAPI 3.1 for ``endpoints`` (schemas from the pydantic models)."""
    outputs: set[type[BaseModel]] = {ErrorBody, *(ep.response for ep in endpoints)}
    inputs: set[type[BaseModel]] = {ep.body for ep in endpoints if ep.body is not None}
    wanted = [(m, "serialization") for m in sorted(outputs, key=_name)]
    wanted += [(m, "validation") for m in sorted(inputs, key=_name)]
    refs, defs = models_json_schema(wanted, ref_template=REF)  # type: ignore[arg-type]
    schemas = defs.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return dict(refs[(model, mode)])  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for ep in endpoints:
        operation: dict[str, Any] = {
            "operationId": ep.operation_id,
            "summary": ep.summary,
            "tags": [ep.tag],
            "parameters": _parameters(ep),
            "responses": {
                str(ep.status): {
                    "description": "OK",
                    "content": {"application/json": {"schema": ref(ep.response, "serialization")}},
                },
                **{
                    code: {
                        "description": text,
                        "content": {
                            "application/json": {"schema": ref(ErrorBody, "serialization")}
                        },
                    }
                    for code, text in sorted(_errors(ep).items())
                },
            },
        }
        if ep.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(ep.body, "validation")}},
            }
        paths.setdefault("/api/v1" + ep.path, {})[ep.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {"type": "http", "scheme": "bearer", "description": "crmbot token create"},
                "session": {"type": "apiKey", "in": "cookie", "name": "crmbot_app"},
            },
        },
        "security": [{"token": []}, {"session": []}],
    }


def _errors(endpoint: Endpoint) -> dict[str, str]:
    errors = dict(ERRORS)
    if endpoint.method != "GET":
        errors |= WRITE_ERRORS
    if endpoint.body is not None:
        errors |= BODY_ERRORS
    return errors


def _name(model: type[BaseModel]) -> str:
    return model.__name__
