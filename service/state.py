"""What one app instance serves: model, registry, settings, metrics, readiness."""

from __future__ import annotations

from dataclasses import dataclass, field

from .config import Settings
from .engine.model import StanceModel
from .engine.parties import PartyRegistry
from .metrics import Metrics


@dataclass(slots=True)
class ServiceState:
    """Injected into the app by :func:`service.app.create_app` (no module globals)."""

    model: StanceModel
    registry: PartyRegistry
    settings: Settings
    metrics: Metrics
    api_keys: list[str] = field(default_factory=list)
    ready: bool = False
