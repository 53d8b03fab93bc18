"""WSGI entry point: the only place that reads the model location from the environment.

``gunicorn service.wsgi:app`` loads the bundle named by ``SIKAP_MODEL_VERSION``
(or ``models/CURRENT``), verifies every file's sha256 against its metadata, and
refuses to start, with the reason on stderr and exit status 3, if anything is off.
"""

from __future__ import annotations

import sys

from flask import Flask

from .app import create_app
from .config import Settings
from .engine.bundle import BundleError, load_bundle, resolve_bundle_dir

EXIT_BAD_MODEL = 3


def build_app(settings: Settings | None = None) -> Flask:
    """Load and verify the configured bundle, then build the app."""
    settings = settings or Settings()
    path = resolve_bundle_dir(settings.models_dir, settings.model_version)
    return create_app(load_bundle(path), settings=settings)


try:
    app = build_app()
except BundleError as exc:
    print(f"sikap: refusing to start: {exc}", file=sys.stderr, flush=True)
    sys.exit(EXIT_BAD_MODEL)
