"""Prometheus metrics, correct across gunicorn workers.

With ``PROMETHEUS_MULTIPROC_DIR`` set (the gunicorn config sets it), every
worker writes its samples to files in that folder and ``/metrics`` aggregates
them, so a scrape sees the whole server, not whichever worker answered.  Each
app gets its own ``CollectorRegistry`` so tests can build many apps.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The service's metric families, registered in a private registry."""

    def __init__(self, model_version: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "sikap_http_requests",
            "HTTP requests by endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "sikap_http_request_duration_seconds",
            "Request latency by endpoint",
            ["endpoint"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.articles = Counter("sikap_articles_scored", "Articles analysed", registry=r)
        self.mentions = Counter("sikap_mentions_scored", "Party mentions scored", registry=r)
        self.article_errors = Counter(
            "sikap_article_errors", "Articles rejected (single or batch item) by status", ["status"], registry=r
        )
        self.model_info = Gauge(
            "sikap_model_info",
            "Served model version (value 1)",
            ["version"],
            registry=r,
            multiprocess_mode="max",
        )
        self.model_info.labels(version=model_version).set(1)

    def exposition(self) -> tuple[bytes, str]:
        """Body and content type for ``GET /metrics``."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            agg = CollectorRegistry()
            multiprocess.MultiProcessCollector(agg)
            return generate_latest(agg), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
