"""Errors as application/problem+json (RFC 9457), one mapping for the whole API.

Every error the engines name derives from ``engine.errors.DomainError`` and
carries its own answer, so one handler serves them all; the other handlers
here are for what the framework, pydantic and the database raise.

Every answer is in the reader's language (``localize``): ``Accept-Language``
picks zh-CN or en (English when it prefers neither, or is absent). The title,
the detail and each ``errors[].message`` that is an ``engine.i18n.Message``
are rendered in that language, and an error that knows its field's label
carries ``errors[].label``. When the request names a language (the web app
always does), the message names the field by its label too ("客户名称：必填");
without the header the client is a program: ``message`` stays the bare text
it has always been and ``field`` the key it reads (no ``label``).
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from api.security_audit import record_refusal
from engine.errors import TITLES, DomainError, problem_body
from engine.i18n import CATALOGUES, EN, Message, negotiate, text_in, translate
from engine.i18n.validation import validation_message

log = logging.getLogger("formwork.api")


class ProblemResponse(JSONResponse):
    """problem+json rendered as ASCII: a message may echo the caller's input,
    and a lone surrogate in it (a JSON escape like ``\\ud800``) cannot be
    encoded as UTF-8, which turned a 422 into a 500. Escaped, it is valid JSON."""

    media_type = "application/problem+json"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, separators=(",", ":")).encode("ascii")


class ApiError(DomainError):
    """An error a route raises on purpose, with its status (400 is only the class's
    default: each instance carries the status it was given)."""

    status = 400
    title = TITLES[400]

    def __init__(self, status: int, detail: str, errors: list[dict[str, str]] | None = None):
        super().__init__(detail)
        self.status = status
        self.title = TITLES.get(status, "Error")
        self.detail = detail
        self.errors = errors

    def problem_detail(self) -> str:
        return self.detail

    def problem_errors(self) -> list[dict[str, Any]] | None:
        return self.errors


def localize(body: dict[str, Any], accept_language: str | None) -> dict[str, Any]:
    """``body`` (a problem) in the language ``accept_language`` prefers; see the module."""
    lang = negotiate(accept_language)
    labelled = bool(accept_language)
    status = body.get("status")
    if (
        isinstance(status, int)
        and f"status.{status}" in CATALOGUES[EN]
        and body.get("title") == TITLES.get(status)
    ):
        body["title"] = translate(Message(f"status.{status}"), lang)
    if isinstance(body.get("detail"), str):
        body["detail"] = translate(body["detail"], lang)
    errors = body.get("errors")
    if isinstance(errors, list):
        body["errors"] = [_localized_error(e, lang, labelled) for e in errors]
    failures = body.get("failures")
    if isinstance(failures, list):
        # A bulk report: each record's own problem, in the same language.
        body["failures"] = [
            localize(dict(f), accept_language) if isinstance(f, dict) else f for f in failures
        ]
    return body


def _localized_error(error: Any, lang: str, labelled: bool) -> Any:
    if not isinstance(error, dict):
        return error
    message, label = error.get("message"), error.get("label")
    answer = dict(error)
    answer.pop("label", None)
    if label and labelled:
        answer["label"] = str(text_in(label, lang))
    if isinstance(message, str):
        if labelled and label:
            message = Message("problem.labelled", label=label, message=message)
        answer["message"] = translate(message, lang)
    return answer


def problem(
    status: int,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    accept_language: str | None = None,
    **extra: Any,
) -> JSONResponse:
    body = localize(problem_body(status, detail, errors, **extra), accept_language)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return ProblemResponse(body, status, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def domain_problem(err: DomainError, accept_language: str | None = None) -> JSONResponse:
    """The answer a domain error carries (``Retry-After`` from its ``retry_after``),
    in the language ``accept_language`` prefers."""
    told = err.to_problem()
    answer = problem(
        told.status, told.detail, told.errors, accept_language, title=told.title, **told.members
    )
    if told.retry_after is not None:
        answer.headers["Retry-After"] = str(told.retry_after)
    return answer


INVALID_REQUEST = Message("request.invalid")


def validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    """pydantic's errors as ``errors[]``: the parameter's or field's key, the
    message, and the key as its label, so a reader sees "page：必须是整数"."""
    answer = []
    for error in errors:
        # Invalid JSON is located by its character offset ("body", 1): it is the body's fault.
        where = "body" if error["type"] == "json_invalid" else _location(error["loc"])
        answer.append({"field": where, "message": validation_message(error), "label": where})
    return answer


def _http_detail(status: int, detail: Any) -> str:
    """The detail of an ``HTTPException``: a route's message kept as it is (a
    ``Message`` stays one); Starlette's bare status phrase said in words."""
    bare = isinstance(detail, str) and not isinstance(detail, Message)
    if status == 400 and bare and detail != _phrase(status):
        # Starlette's and FastAPI's own English about a form body that cannot be
        # parsed ("Invalid multipart data."); routes raise messages, never bare text.
        return Message("request.form_data")
    if isinstance(detail, str) and detail != _phrase(status):
        return detail
    if status == 404:
        return Message("request.no_route")
    if status == 405:
        return Message("request.method")
    if f"status.{status}" in CATALOGUES[EN]:
        return Message(f"status.{status}")
    return str(detail)


def _phrase(status: int) -> str | None:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return None


def _language(request: Request) -> str | None:
    return request.headers.get("accept-language")


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, err: DomainError) -> JSONResponse:
        if err.status == 403:
            await record_refusal(request)  # SESSIONS: refusals are security events
        return domain_problem(err, request.headers.get("accept-language"))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = validation_errors(list(err.errors()))
        return problem(422, INVALID_REQUEST, errors, _language(request))

    @app.exception_handler(ValidationError)
    async def invalid_model(request: Request, err: ValidationError) -> JSONResponse:
        # A model a route builds from request values (e.g. from query parameters).
        errors = validation_errors(list(err.errors()))
        return problem(422, INVALID_REQUEST, errors, _language(request))

    @app.exception_handler(DataError)
    async def data_error(request: Request, err: DataError) -> JSONResponse:
        # The database refused a value (out of range, a NUL in text): the input's
        # fault, but a validator should have said so; logged to be fixed there.
        log.warning("database refused a value: %s", str(err.orig).splitlines()[0])
        return problem(422, Message("request.unstorable"), None, _language(request))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> JSONResponse:
        if isinstance(err.__cause__, RecursionError):
            # FastAPI's JSON body parser recursed on deeply nested input.
            errors = [{"field": "body", "message": Message("request.nested")}]
            return problem(422, Message("request.body_nested"), errors, _language(request))
        detail = _http_detail(err.status_code, err.detail)
        answer = problem(err.status_code, detail, None, _language(request))
        # Starlette's own headers, e.g. the Allow a 405 must carry (RFC 9110).
        for name, value in (err.headers or {}).items():
            answer.headers[name] = value
        return answer

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, err: RecursionError) -> JSONResponse:
        log.warning("input nested too deeply: %s", err)
        return problem(422, Message("request.input_nested"), None, _language(request))

    # Unexpected errors are answered by api.middleware.errors.CatchErrors, not by
    # an Exception handler here: Starlette re-raises after such a handler, and
    # uvicorn then drops the keep-alive connection (see that module).
