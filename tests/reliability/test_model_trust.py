"""Model trust: a bundle loads only if its files, sklearn version and feature families all match.

Every altered bundle is refused before it is unpickled, with a message naming
what is wrong; through ``service.wsgi`` the process exits 3 with the reason on
stderr and nothing else (no traceback).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import joblib
import pytest

from service.engine import scoring
from service.engine.bundle import BundleError, load_bundle, save_bundle
from service.engine.features import FEATURE_FAMILIES, LEGACY_FAMILIES
from service.engine.scoring import analyze_article
from tests.reliability.tally import TALLY
from tests.servers import REPO, server_env


@pytest.fixture(scope="module")
def other_bundle(tiny_bundle_dir, tmp_path_factory) -> Path:
    """A second, different bundle (as if from another training run)."""
    bundle = joblib.load(tiny_bundle_dir / "model.joblib")
    bundle["format"] = 99
    return save_bundle(bundle, tmp_path_factory.mktemp("other"), "other-1", {}, "# other\n")


def _edit_meta(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def edit(path: Path) -> None:
        meta = json.loads((path / "metadata.json").read_text())
        change(meta)
        (path / "metadata.json").write_text(json.dumps(meta))

    return edit


def _flip_byte(path: Path) -> None:
    data = bytearray((path / "model.joblib").read_bytes())
    data[len(data) // 2] ^= 0x01
    (path / "model.joblib").write_bytes(bytes(data))


def _garbage_with_matching_hash(path: Path) -> None:
    """Someone who can rewrite metadata.json can make any file 'match': it must still fail cleanly."""
    from service.engine.bundle import sha256_file

    (path / "model.joblib").write_bytes(b"\x80\x04not really a pickle")
    _edit_meta(lambda m: m["files"].__setitem__("model.joblib", sha256_file(path / "model.joblib")))(path)


# name -> (how to damage the bundle, regex the refusal message must match)
DAMAGE: dict[str, tuple[Callable[..., None], str]] = {
    "truncated model": (
        lambda p, o: (p / "model.joblib").write_bytes((p / "model.joblib").read_bytes()[:1000]),
        r"model\.joblib sha256 .* does not match",
    ),
    "empty model": (lambda p, o: (p / "model.joblib").write_bytes(b""), r"model\.joblib sha256"),
    "one corrupted byte": (lambda p, o: _flip_byte(p), r"model\.joblib sha256 .* altered or truncated"),
    "model swapped from another bundle": (
        lambda p, o: shutil.copy(o / "model.joblib", p / "model.joblib"),
        r"model\.joblib sha256",
    ),
    "metadata swapped from another bundle": (
        lambda p, o: shutil.copy(o / "metadata.json", p / "metadata.json"),
        r"sha256 .* does not match",
    ),
    "model card edited": (
        lambda p, o: (p / "MODEL_CARD.md").write_text("# edited\n"),
        r"MODEL_CARD\.md sha256",
    ),
    "extra unlisted file": (
        lambda p, o: (p / "model_v2.joblib").write_bytes(b"x"),
        r"not listed in metadata\.json: model_v2\.joblib",
    ),
    "model missing": (lambda p, o: (p / "model.joblib").unlink(), r"model\.joblib listed in metadata\.json is missing"),
    "metadata missing": (lambda p, o: (p / "metadata.json").unlink(), r"metadata\.json is missing"),
    "metadata not JSON": (lambda p, o: (p / "metadata.json").write_text("{oops"), r"not valid JSON"),
    "metadata a JSON array": (lambda p, o: (p / "metadata.json").write_text("[]"), r"not a JSON object"),
    "hash entry tampered": (
        lambda p, o: _edit_meta(lambda m: m["files"].__setitem__("model.joblib", "0" * 64))(p),
        r"model\.joblib sha256",
    ),
    "model not listed": (
        lambda p, o: _edit_meta(lambda m: m["files"].pop("model.joblib"))(p),
        r"does not list the sha256 of model\.joblib",
    ),
    "files not a mapping": (lambda p, o: _edit_meta(lambda m: m.__setitem__("files", ["x"]))(p), r"does not list"),
    "path traversal in files": (
        lambda p, o: _edit_meta(lambda m: m["files"].__setitem__("../../etc/passwd", "0" * 64))(p),
        r"\.\./\.\./etc/passwd listed in metadata\.json is missing",
    ),
    "sklearn version tampered": (
        lambda p, o: _edit_meta(lambda m: m.__setitem__("sklearn_version", "0.24.2"))(p),
        r"trained with scikit-learn 0\.24\.2",
    ),
    "sklearn version removed": (
        lambda p, o: _edit_meta(lambda m: m.pop("sklearn_version"))(p),
        r"trained with scikit-learn None",
    ),
    "garbage with a matching hash": (lambda p, o: _garbage_with_matching_hash(p), r"could not be loaded"),
    "trained on features this code lacks": (
        lambda p, o: _edit_meta(lambda m: m.__setitem__("feature_families", ["base", "prefix", "parse-tree"]))(p),
        r"feature families this code does not produce \(parse-tree\)",
    ),
    "feature families hold a non-string": (
        lambda p, o: _edit_meta(lambda m: m.__setitem__("feature_families", ["base", {}]))(p),
        r"feature families this code does not produce \(\{\}\)",
    ),
    "feature families not a list": (
        lambda p, o: _edit_meta(lambda m: m.__setitem__("feature_families", "base"))(p),
        r"feature_families must be a list",
    ),
}


def damaged_copy(tiny_bundle_dir: Path, other: Path, tmp_path: Path, name: str) -> Path:
    models = tmp_path / "models"
    path = models / "tiny-1"
    shutil.copytree(tiny_bundle_dir, path)
    (models / "CURRENT").write_text("tiny-1\n")
    DAMAGE[name][0](path, other)
    return path


@pytest.mark.parametrize("name", DAMAGE)
def test_damaged_bundle_refused(tiny_bundle_dir, other_bundle, tmp_path, name):
    path = damaged_copy(tiny_bundle_dir, other_bundle, tmp_path, name)
    with pytest.raises(BundleError, match=DAMAGE[name][1]):
        load_bundle(path)
    TALLY["corrupted-model cases refused (in-process)"] += 1


def test_intact_copy_and_other_bundle_load(tiny_bundle_dir, other_bundle, tmp_path):
    shutil.copytree(tiny_bundle_dir, tmp_path / "copy")
    assert load_bundle(tmp_path / "copy").version == "tiny-1"
    assert load_bundle(other_bundle).version == "other-1"


def test_bundle_from_before_feature_families_loads_as_base(tiny_bundle_dir, tmp_path):
    """Bundles such as 2026.11.29-5 carry no feature_families: they were trained on "base", still emitted."""
    assert json.loads((tiny_bundle_dir / "metadata.json").read_text())["feature_families"] == sorted(FEATURE_FAMILIES)
    shutil.copytree(tiny_bundle_dir, tmp_path / "old")
    _edit_meta(lambda m: m.pop("feature_families"))(tmp_path / "old")
    old = load_bundle(tmp_path / "old")
    assert old.version == "tiny-1"
    assert old.feature_families == LEGACY_FAMILIES


def test_the_engine_emits_exactly_the_served_bundles_families(tiny_bundle_dir, registry, tmp_path, monkeypatch):
    """A bundle trained before a family existed is served the features it was trained on."""
    shutil.copytree(tiny_bundle_dir, tmp_path / "older")
    _edit_meta(lambda m: m.__setitem__("feature_families", ["base", "prefix"]))(tmp_path / "older")
    seen = []
    real = scoring.features_for_target
    monkeypatch.setattr(scoring, "features_for_target", lambda *a: seen.append(a[3]) or real(*a))
    text = "Critics lambasted Russia while Ukraine waited."
    for path, families in ((tiny_bundle_dir, FEATURE_FAMILIES), (tmp_path / "older", {"base", "prefix"})):
        seen.clear()
        analyze_article(load_bundle(path), registry, text)
        assert seen and all(f == families for f in seen)


WSGI_CASES = ["one corrupted byte", "metadata a JSON array", "extra unlisted file", "sklearn version tampered"]


@pytest.mark.timeout(120, method="thread")
@pytest.mark.parametrize("name", WSGI_CASES)
def test_wsgi_refuses_to_start(tiny_bundle_dir, other_bundle, tmp_path, name):
    """What gunicorn's master runs at preload: exit 3, one clear line on stderr, no traceback."""
    path = damaged_copy(tiny_bundle_dir, other_bundle, tmp_path, name)
    env = server_env(0, SIKAP_MODELS_DIR=str(path.parent))
    proc = subprocess.run(
        [sys.executable, "-c", "import service.wsgi"], cwd=REPO, env=env, capture_output=True, text=True, timeout=100
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.startswith("sikap: refusing to start: "), proc.stderr
    assert "Traceback" not in proc.stderr
    TALLY["corrupted-model cases refused (through service.wsgi, exit 3)"] += 1
