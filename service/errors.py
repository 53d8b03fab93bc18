"""One error hierarchy, rendered in one place as RFC 9457 problem details.

Every error response — validation, routing, size limits, auth, time budget,
and anything unexpected — leaves through :func:`problem_response` with
``Content-Type: application/problem+json``.  No stack trace, file path or
article text is ever put in a response.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("sikap.errors")


class ProblemError(Exception):
    """An error with an HTTP status, a stable type slug and a helpful detail."""

    status = 500
    slug = "internal-error"
    title = "Internal server error"

    def __init__(self, detail: str, errors: list[dict] | None = None, headers: dict | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        """The problem object (also used inside batch result slots)."""
        body: dict[str, Any] = {
            "type": f"urn:sikap:problem:{self.slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class BadRequest(ProblemError):
    status, slug, title = 400, "malformed-request", "Malformed request"


class Unauthorized(ProblemError):
    status, slug, title = 401, "unauthorized", "Missing or invalid API key"


class UnsupportedMediaType(ProblemError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class ValidationFailed(ProblemError):
    status, slug, title = 422, "validation-error", "Request body failed validation"


class Unavailable(ProblemError):
    status, slug, title = 503, "unavailable", "Service unavailable"


class BudgetExceeded(ProblemError):
    status, slug, title = 503, "time-budget-exceeded", "Request exceeded its time budget"


def problem_response(problem: dict[str, Any], headers: dict | None = None) -> Response:
    """Serialise a problem object as an ``application/problem+json`` response."""
    resp = Response(
        json.dumps(problem, ensure_ascii=False),
        status=problem["status"],
        mimetype=PROBLEM_JSON,
    )
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def http_problem(exc: HTTPException) -> dict[str, Any]:
    """Problem object for a werkzeug HTTP exception (404, 405, 413, ...)."""
    status = exc.code or 500
    details = {
        404: f"No endpoint at {request.path!r}; see /openapi.json for the API.",
        405: f"{request.method} is not allowed on {request.path!r}.",
        413: "The request body is larger than the configured limit.",
    }
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": details.get(status, exc.description or HTTPStatus(status).description),
    }


def register_error_handlers(app: Flask) -> None:
    """Route every exception to a problem+json response."""

    @app.errorhandler(ProblemError)
    def _problem(exc: ProblemError) -> Response:
        return problem_response(exc.to_dict(), exc.headers)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        if exc.code == 413:
            limit = app.config.get("MAX_CONTENT_LENGTH")
            body = http_problem(exc)
            body["detail"] = f"The request body is larger than the limit of {limit} bytes."
            return problem_response(body)
        return problem_response(http_problem(exc), headers)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # The type only: a message or traceback could carry article text or paths.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.path)
        return problem_response(
            {
                "type": "urn:sikap:problem:internal-error",
                "title": "Internal server error",
                "status": 500,
                "detail": "The server failed to process the request; it has been logged.",
            }
        )
