"""The /v1 routes: validate, call the engine, shape the response.

No analysis happens here; see :mod:`service.engine.scoring`.
"""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from flask import Blueprint, Response, current_app, request
from pydantic import ValidationError
from spectree import Response as SpecResponse

from .budget import time_budget
from .engine.scoring import PartyRequest, analyze_article
from .errors import BadRequest, BudgetExceeded, ProblemError, Unauthorized, UnsupportedMediaType, ValidationFailed
from .openapi import spec
from .schemas import (
    AnalyzeRequest,
    AnalyzeResponse,
    BatchRequest,
    BatchRequestDoc,
    BatchResponse,
    PartySpec,
    Problem,
    has_surrogates,
)
from .state import ServiceState

bp = Blueprint("v1", __name__, url_prefix="/v1")
_ERRORS = {f"HTTP_{c}": Problem for c in (400, 401, 413, 415, 422, 503)}


def state() -> ServiceState:
    """The loaded model, registry and settings of the current app."""
    return current_app.extensions["sikap"]


def json_response(body: Any, status: int = 200) -> Response:
    """Serialise once, without ASCII escaping (Indonesian text stays readable)."""
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json")


@bp.before_request
def _authenticate() -> None:
    """With API keys configured, every /v1 request needs ``Authorization: Bearer <key>``."""
    keys = state().api_keys
    if not keys:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token_b = token.strip().encode()
    # Compare against every key, constant-time, so timing reveals nothing.
    ok = False
    for key in keys:
        ok |= hmac.compare_digest(token_b, key.encode())
    if scheme.lower() != "bearer" or not token_b or not ok:
        raise Unauthorized(
            "Send 'Authorization: Bearer <key>' with a key configured in SIKAP_API_KEYS.",
            headers={"WWW-Authenticate": 'Bearer realm="sikap"'},
        )


def read_json() -> Any:
    """Parse the request body as JSON, or raise a 415/400 problem."""
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise UnsupportedMediaType(f"Content-Type must be application/json, got {request.content_type or 'none'!r}.")
    raw = request.get_data(cache=False)  # over MAX_CONTENT_LENGTH -> 413
    if not raw:
        raise BadRequest("The request body is empty; send a JSON object.")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise BadRequest("The request body is not valid UTF-8.") from None
    except json.JSONDecodeError as exc:
        raise BadRequest(f"Malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.") from None
    except RecursionError:
        raise BadRequest("Malformed JSON: nesting is too deep.") from None
    except ValueError as exc:  # e.g. integers with more digits than Python allows
        raise BadRequest(f"Malformed JSON: {str(exc)[:120]}") from None


def _reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON (RFC 8259), and could not be echoed back as JSON."""
    raise ValueError(f"{name} is not a valid JSON value")


def validation_problem(exc: ValidationError, prefix: str = "") -> ValidationFailed:
    """A 422 listing each invalid field, never echoing the submitted values."""
    errors = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        # Unknown keys appear in loc: bounded, so a 3 MB key is not reflected back (twice).
        loc = ".".join(str(p)[:64] for p in err["loc"])
        errors.append(
            {"field": prefix + loc if loc else prefix.rstrip(".") or "body", "message": err["msg"], "type": err["type"]}
        )
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    if len(errors) > 5:
        detail += f"; and {len(errors) - 5} more"
    return ValidationFailed(detail, errors)


def _party_requests(req: AnalyzeRequest) -> list[PartyRequest] | None:
    """Engine party requests for a validated body (built-ins resolved)."""
    if req.parties is None:
        return None
    registry = state().registry
    out = []
    for item in req.parties:
        if isinstance(item, PartySpec):
            out.append(PartyRequest(item.name, None, list(item.aliases), [tuple(s) for s in item.spans]))
        else:
            out.append(PartyRequest(registry.resolve(item) or item, registry.resolve(item)))
    return out


def analyze_one(data: Any) -> dict:
    """Validate and analyse one article body; raise a ProblemError when invalid."""
    st = state()
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The article must be a JSON object with at least a 'text' field.",
            [{"field": "body", "message": "expected a JSON object", "type": "model_type"}],
        )
    try:
        req = AnalyzeRequest.model_validate(data, context={"registry": st.registry})
    except ValidationError as exc:
        raise validation_problem(exc) from None
    result = analyze_article(st.model, st.registry, req.text, req.title, req.language, _party_requests(req))
    st.metrics.articles.inc()
    st.metrics.mentions.inc(sum(p["mentions"] for p in result["parties"]))
    body = {"id": req.id, "model": {"version": st.model.version}, **result}
    if req.metadata is not None:
        body["metadata"] = req.metadata
    return body


@bp.post("/analyze")
@spec.validate(
    json=AnalyzeRequest, resp=SpecResponse(HTTP_200=AnalyzeResponse, **_ERRORS), skip_validation=True, tags=["analysis"]
)
def analyze() -> Response:
    """Analyse one article: overall sentiment and stance toward each party."""
    data = read_json()
    with time_budget(state().settings.request_budget_seconds):
        try:
            return json_response(analyze_one(data))
        except ProblemError as exc:
            state().metrics.article_errors.labels(status=str(exc.status)).inc()
            raise


@bp.post("/analyze/batch")
@spec.validate(
    json=BatchRequestDoc, resp=SpecResponse(HTTP_200=BatchResponse, **_ERRORS), skip_validation=True, tags=["analysis"]
)
def analyze_batch() -> Response:
    """Analyse up to 256 articles; an invalid item gets an error in its own slot."""
    st = state()
    data = read_json()
    try:
        batch = BatchRequest.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc) from None
    if len(batch.articles) > st.settings.max_batch:
        raise ValidationFailed(
            f"articles: at most {st.settings.max_batch} items per batch, got {len(batch.articles)}",
            [{"field": "articles", "message": f"at most {st.settings.max_batch} items", "type": "too_long"}],
        )
    results: list[dict] = []
    # One budget for the whole batch (it must end before gunicorn's worker timeout
    # kills the worker); items it cannot finish get a 503 problem in their slot.
    budget = st.settings.request_budget_seconds
    deadline = time.monotonic() + budget
    late = f"the batch ran out of its {budget:g} s time budget before this item finished; send it again"
    for i, item in enumerate(batch.articles):
        try:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BudgetExceeded(late)
            with time_budget(left, detail=late):
                results.append(analyze_one(item))
        except ProblemError as exc:
            st.metrics.article_errors.labels(status=str(exc.status)).inc()
            problem = exc.to_dict()
            if problem.get("errors"):
                for e in problem["errors"]:
                    e["field"] = f"articles.{i}.{e['field']}"
            results.append({"id": _echo_id(item), "error": problem})
    return json_response({"results": results})


def _echo_id(item: Any) -> str | int | None:
    """The item's id if it can be echoed safely (a string or integer of valid Unicode)."""
    value = item.get("id") if isinstance(item, dict) else None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    if isinstance(value, str) and (len(value) > 1000 or has_surrogates(value)):
        return None
    return value


@bp.get("/parties")
@spec.validate(resp=SpecResponse("HTTP_200", HTTP_401=Problem), tags=["registry"], skip_validation=True)
def parties() -> Response:
    """The built-in party registry: names, aliases and members."""
    reg = state().registry
    return json_response({"version": reg.version, "parties": reg.as_dicts()})


@bp.get("/model")
@spec.validate(resp=SpecResponse("HTTP_200", HTTP_401=Problem), tags=["model"], skip_validation=True)
def model_info() -> Response:
    """Metadata of the served model bundle (version, data, figures, hashes)."""
    return json_response(state().model.metadata or {"version": state().model.version})
