"""Shared fixtures: a tiny model trained in tmp_path, the shipped model, app and client."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.app import create_app
from service.config import Settings
from service.engine.bundle import load_bundle, resolve_bundle_dir, save_bundle
from service.engine.model import StanceModel
from service.engine.parties import PartyRegistry
from training.corpora import DocExample, TargetExample
from training.train import document_rows, make_pipeline, target_rows

REPO = Path(__file__).resolve().parents[1]
ARTICLES = Path(__file__).parent / "fixtures" / "articles"

_POS = ["dipuji", "didukung", "berhasil", "disambut baik", "praised", "welcomed"]
_NEG = ["dikecam", "dituduh", "gagal", "disalahkan", "criticised", "blamed"]
_NEU = ["berkunjung ke", "bertemu di", "berbicara di", "visited", "met in", "spoke in"]


def _tiny_examples() -> tuple[list[TargetExample], list[DocExample]]:
    """A few dozen synthetic sentences: enough for all three classes in both heads."""
    targets, docs = [], []
    for name in ("Rusia", "Ukraina", "Jepang", "Prancis"):
        for words, label in ((_POS, "positive"), (_NEG, "negative"), (_NEU, "neutral")):
            for w in words:
                text = f"{name} {w} Jakarta kemarin."
                targets.append(TargetExample(text, 0, len(name), label, "test"))
                docs.append(DocExample(f"Berita hari ini: {w} oleh banyak pihak.", label, "test", "id"))
    return targets, docs


@pytest.fixture(scope="session")
def registry() -> PartyRegistry:
    return PartyRegistry.load()


@pytest.fixture(scope="session")
def tiny_bundle_dir(tmp_path_factory: pytest.TempPathFactory, registry: PartyRegistry) -> Path:
    """A real (tiny) bundle on disk, written by the training code."""
    targets, docs = _tiny_examples()
    target = make_pipeline(1.0, min_df=1).fit(target_rows(registry, targets), [e.label for e in targets])
    document = make_pipeline(1.0, min_df=1).fit(document_rows(registry, docs), [e.label for e in docs])
    bundle = {
        "format": 2,
        "target": target,
        "document": {"id": document, "en": document},
        "labels": ["negative", "neutral", "positive"],
    }
    models = tmp_path_factory.mktemp("models")
    save_bundle(bundle, models, "tiny-1", {"evaluation": {}}, "# tiny test model\n")
    (models / "CURRENT").write_text("tiny-1\n")
    return models / "tiny-1"


@pytest.fixture(scope="session")
def tiny_model(tiny_bundle_dir: Path) -> StanceModel:
    return load_bundle(tiny_bundle_dir)


@pytest.fixture(scope="session")
def shipped_model() -> StanceModel:
    """The bundle in models/CURRENT, verified like the service does."""
    return load_bundle(resolve_bundle_dir(REPO / "models"))


def make_settings(**overrides: object) -> Settings:
    """Settings isolated from the developer's environment."""
    base = {"api_keys": "", "api_keys_file": None, "model_version": None}
    base.update(overrides)
    return Settings(**base)


@pytest.fixture
def app(tiny_model: StanceModel, registry: PartyRegistry):
    return create_app(tiny_model, registry, make_settings())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def shipped_client(shipped_model: StanceModel, registry: PartyRegistry):
    return create_app(shipped_model, registry, make_settings()).test_client()


def load_article(name: str) -> dict:
    """A fixture article written for the project (tests/fixtures/articles)."""
    return json.loads((ARTICLES / name).read_text(encoding="utf-8"))
