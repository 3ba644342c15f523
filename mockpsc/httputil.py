"""Small HTTP helpers shared by the endpoints: strict form parsing, OAuth error
responses, redirects with query parameters, page rendering, request logging."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from mockpsc.eventlog import EventLog, mask_pairs
from mockpsc.state import MockState

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
MAX_BODY = 64 * 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def state_of(request: Request) -> MockState:
    return request.app.state.psc


class BadForm(ValueError):
    """A body that is not a well-formed urlencoded form; the message says why."""


def parse_pairs(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=100)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadForm(f"malformed form body: {error.__class__.__name__}") from error


def single_values(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Values by name and the names that appear more than once (OAuth forbids repeats)."""
    values: dict[str, str] = {}
    repeated: list[str] = []
    for name, value in pairs:
        if name in values and name not in repeated:
            repeated.append(name)
        values.setdefault(name, value)
    return values, repeated


async def read_form(request: Request) -> list[tuple[str, str]]:
    """Pairs of an ``application/x-www-form-urlencoded`` body, or BadForm."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise BadForm("content type must be application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BadForm("body too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadForm("body is not UTF-8") from error
    return parse_pairs(text)


async def read_json(request: Request) -> Any:
    body = await request.body()
    if len(body) > MAX_BODY:
        raise BadForm("body too large")
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise BadForm(f"body is not JSON: {error}") from error


def invalid_request(description: str, status: int = 400) -> JSONResponse:
    """The error answer of the mock's own JSON APIs (phone, activation, /__mock)."""
    return JSONResponse({"error": "invalid_request", "error_description": description}, status_code=status)


async def read_json_object(request: Request) -> dict[str, Any] | JSONResponse:
    """A JSON object body ({} when empty), or the invalid_request answer to give instead."""
    try:
        body = await read_json(request)
    except BadForm as error:
        return invalid_request(str(error))
    if body is None:
        return {}
    return body if isinstance(body, dict) else invalid_request("expected a JSON object")


def oauth_error(
    error: str, description: str, status: int = 400, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )


async def injected_http_fault(state: MockState, endpoint: str, client_id: str | None) -> Response | None:
    """Apply the ``<endpoint>_slow`` / ``<endpoint>_server_error`` faults due for this request:
    sleep (without blocking other requests), or answer 500 instead of the endpoint."""
    response = None
    for armed in state.faults.take(client_id, f"http:{endpoint}"):
        state.log.event("fault.applied", client_id=client_id, faults=[armed.kind.name])
        if armed.kind.name.endswith("_slow"):
            await asyncio.sleep(float(armed.value))
        else:
            response = JSONResponse({"error": "server_error", "error_description": "injected fault"},
                                    status_code=500, headers=NO_STORE)
    return response


async def read_oauth_form(request: Request) -> tuple[dict[str, str], Response | None]:
    """Fields of an OAuth form post, or the invalid_request answer to give instead
    (malformed body, wrong content type, a repeated parameter)."""
    try:
        fields, repeated = single_values(await read_form(request))
    except BadForm as error:
        return {}, oauth_error("invalid_request", str(error))
    if repeated:
        return {}, oauth_error("invalid_request", f"duplicated parameter: {', '.join(repeated)}")
    return fields, None


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    """``uri`` with ``params`` appended to any query it already has (None skipped)."""
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query and extra else (parts.query or extra)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def redirect(uri: str, params: Mapping[str, str | None] | None = None, status: int = 302) -> RedirectResponse:
    return RedirectResponse(with_query(uri, params or {}), status_code=status, headers=NO_STORE)


def page(request: Request, template: str, status: int = 200, **context: Any) -> Response:
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status, headers=NO_STORE)


def error_page(request: Request, message: str, status: int = 400, title: str = "Erreur") -> Response:
    return page(request, "error.html", status=status, title=title, message=message)


class RequestLog:
    """ASGI middleware appending every request (query masked) to the event log."""

    def __init__(self, app: Any, log: EventLog, origin: str) -> None:
        self.app, self.log, self.origin = app, log, origin

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = {"code": 500}

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            query = scope.get("query_string", b"").decode("latin-1")
            self.log.request(
                origin=self.origin,
                method=scope["method"],
                path=scope["path"],
                query=mask_pairs(parse_qsl(query, keep_blank_values=True)),
                status=status["code"],
            )
