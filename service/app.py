"""The app factory: builds a Flask app around an already-loaded model.

Nothing here reads the environment or the disk for the model; :mod:`service.wsgi`
does that, and tests inject a tiny model built in ``tmp_path``.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid

from flask import Flask, Response, g, request
from spectree import Response as SpecResponse

from .api import bp as v1
from .api import json_response
from .config import Settings
from .docs import bp as docs
from .engine.model import StanceModel
from .engine.parties import PartyRegistry
from .engine.scoring import analyze_article
from .errors import register_error_handlers
from .metrics import Metrics
from .openapi import document as openapi_document
from .openapi import spec
from .schemas import Status
from .state import ServiceState

_WARM_UP_TEXT = (
    "Presiden Rusia Vladimir Putin dan utusan AS bertemu di Istanbul. "
    "Kyiv menyambut baik perundingan itu. The talks ended without a deal."
)
access_log = logging.getLogger("sikap.access")


def create_app(
    model: StanceModel,
    registry: PartyRegistry | None = None,
    settings: Settings | None = None,
) -> Flask:
    """Build the Sikap app serving ``model``.

    Parameters
    ----------
    model:
        A loaded (and, for shipped bundles, verified) model.
    registry:
        The party registry; the built-in one when omitted.
    settings:
        Service settings; defaults from the environment when omitted.
    """
    settings = settings or Settings()
    registry = registry or PartyRegistry.load()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    state = ServiceState(
        model=model,
        registry=registry,
        settings=settings,
        metrics=Metrics(model.version),
        api_keys=settings.keys(),
    )
    app.extensions["sikap"] = state
    register_error_handlers(app)
    app.register_blueprint(v1)
    app.register_blueprint(docs)
    _register_ops_routes(app, state)
    _register_request_hooks(app, state)
    spec.register(app)
    _configure_logging()

    # Warm up: the first real request should not pay for lazy loading.
    analyze_article(model, registry, _WARM_UP_TEXT)
    state.ready = True
    return app


def _register_ops_routes(app: Flask, state: ServiceState) -> None:
    """Health, readiness, metrics and the OpenAPI document (no auth)."""

    @app.get("/healthz")
    @spec.validate(resp=SpecResponse(HTTP_200=Status), tags=["ops"], skip_validation=True)
    def healthz() -> Response:
        """Liveness: the process answers."""
        return json_response({"status": "ok"})

    @app.get("/readyz")
    @spec.validate(resp=SpecResponse(HTTP_200=Status, HTTP_503=Status), tags=["ops"], skip_validation=True)
    def readyz() -> Response:
        """Readiness: the model is loaded and warmed up."""
        if not state.ready:
            return json_response({"status": "starting", "model": state.model.version}, 503)
        return json_response({"status": "ready", "model": state.model.version})

    @app.get("/metrics")
    @spec.validate(resp=SpecResponse("HTTP_200"), tags=["ops"], skip_validation=True)
    def metrics() -> Response:
        """Prometheus text exposition, aggregated across workers."""
        body, ctype = state.metrics.exposition()
        return Response(body, content_type=ctype)

    @app.get("/openapi.json")
    def openapi() -> Response:
        """The OpenAPI 3 document generated from the request/response schemas."""
        return json_response(openapi_document())


def _register_request_hooks(app: Flask, state: ServiceState) -> None:
    """Request ids, one JSON access-log line, metrics, security headers."""

    @app.before_request
    def _start() -> None:
        g.start = time.perf_counter()
        rid = request.headers.get("X-Request-ID", "")
        g.request_id = rid if 0 < len(rid) <= 128 and rid.isprintable() and rid.isascii() else uuid.uuid4().hex

    @app.after_request
    def _finish(resp: Response) -> Response:
        duration = time.perf_counter() - g.get("start", time.perf_counter())
        rid = g.get("request_id") or uuid.uuid4().hex
        resp.headers["X-Request-ID"] = rid
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["Referrer-Policy"] = "no-referrer"
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        state.metrics.requests.labels(endpoint, request.method, str(resp.status_code)).inc()
        state.metrics.latency.labels(endpoint).observe(duration)
        # Never the body or query: article text stays out of logs.
        access_log.info(
            json.dumps(
                {
                    "event": "request",
                    "request_id": rid,
                    "method": request.method,
                    "path": request.path[:200],
                    "endpoint": endpoint,
                    "status": resp.status_code,
                    "duration_ms": round(duration * 1000, 2),
                    "bytes_in": request.content_length or 0,
                    "model": state.model.version,
                }
            )
        )
        return resp


def _configure_logging() -> None:
    """Access log lines go to stderr as they are (each is already JSON)."""
    if access_log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
