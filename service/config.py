"""Typed settings read from ``SIKAP_*`` environment variables.

Only :mod:`service.wsgi` and the gunicorn config read the environment; the app
factory receives a :class:`Settings` object, so tests pass their own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Service configuration (environment variable = ``SIKAP_`` + upper-case name)."""

    model_config = SettingsConfigDict(env_prefix="SIKAP_", extra="ignore")

    models_dir: Path = Field(REPO_ROOT / "models", description="folder of versioned bundles")
    model_version: str | None = Field(None, description="bundle to serve; default models/CURRENT")
    max_body_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="request body limit (413 above)")
    max_batch: int = Field(256, ge=1, le=256, description="articles per batch request")
    api_keys: str = Field("", description="comma-separated API keys; empty = no auth")
    api_keys_file: Path | None = Field(None, description="file with one API key per line")
    request_budget_seconds: float = Field(20.0, gt=0, description="per-request time budget (503 above)")

    def keys(self) -> list[str]:
        """All configured API keys (environment and file), without blanks."""
        keys = [k.strip() for k in self.api_keys.split(",") if k.strip()]
        if self.api_keys_file:
            text = self.api_keys_file.read_text(encoding="utf-8")
            keys += [k.strip() for k in text.splitlines() if k.strip() and not k.startswith("#")]
        return keys
