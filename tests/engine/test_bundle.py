import json
import shutil

import pytest

from service.engine.bundle import BundleError, load_bundle, resolve_bundle_dir


@pytest.fixture
def bundle_copy(tiny_bundle_dir, tmp_path):
    dst = tmp_path / "models" / "v1"
    shutil.copytree(tiny_bundle_dir, dst)
    return dst


def test_intact_bundle_loads(bundle_copy):
    assert load_bundle(bundle_copy).version == "tiny-1"


def test_truncated_model_refused(bundle_copy):
    f = bundle_copy / "model.joblib"
    f.write_bytes(f.read_bytes()[:100])
    with pytest.raises(BundleError, match=r"model.joblib sha256 .* does not match"):
        load_bundle(bundle_copy)


def test_flipped_byte_refused(bundle_copy):
    f = bundle_copy / "MODEL_CARD.md"
    f.write_text(f.read_text() + " ")
    with pytest.raises(BundleError, match=r"MODEL_CARD\.md"):
        load_bundle(bundle_copy)


def test_swapped_model_refused(bundle_copy, tmp_path):
    (bundle_copy / "model.joblib").write_bytes(b"not a pickle")
    with pytest.raises(BundleError, match="does not match"):
        load_bundle(bundle_copy)


def test_missing_file_refused(bundle_copy):
    (bundle_copy / "model.joblib").unlink()
    with pytest.raises(BundleError, match="missing"):
        load_bundle(bundle_copy)


def test_sklearn_version_mismatch_refused(bundle_copy):
    meta_path = bundle_copy / "metadata.json"
    meta = json.loads(meta_path.read_text())
    meta["sklearn_version"] = "0.0.1"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(BundleError, match=r"scikit-learn 0\.0\.1"):
        load_bundle(bundle_copy)


def test_resolve_uses_current_and_rejects_traversal(bundle_copy):
    models = bundle_copy.parent
    (models / "CURRENT").write_text("v1\n")
    assert resolve_bundle_dir(models) == bundle_copy
    with pytest.raises(BundleError, match="invalid"):
        resolve_bundle_dir(models, "../etc")
    with pytest.raises(BundleError, match="not found"):
        resolve_bundle_dir(models, "v9")
