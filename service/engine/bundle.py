"""Saving and loading versioned model bundles, with integrity checks.

A bundle is a folder ``models/<version>/`` holding ``model.joblib``,
``metadata.json`` and ``MODEL_CARD.md``.  ``metadata.json`` lists the sha256 of
every other file.

Why the checks: joblib files are pickles, and unpickling runs code.  A bundle is
therefore trusted only from the operator's own models directory, and only when
every file's hash matches the metadata written by ``training.train`` and the
scikit-learn version matches the one it was trained with.  Anything else (a
truncated copy, a swapped file, a partial upload) is refused before it is
unpickled, with a message that names the file.  So is a bundle trained on
feature families this code does not emit (see ``features.FEATURE_FAMILIES``):
it would load and answer, just worse, with no error anywhere.  A bundle that
lacks a family newer than it is served without it (the engine emits exactly
the families in its metadata; bundles older than the field get ``base``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

import joblib
import sklearn

from .features import FEATURE_FAMILIES, LEGACY_FAMILIES
from .model import StanceModel

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
CURRENT_FILE = "CURRENT"


class BundleError(RuntimeError):
    """The bundle is missing, altered, or incompatible; the message says why."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def resolve_bundle_dir(models_dir: Path | str, version: str | None = None) -> Path:
    """The bundle folder to serve: ``version`` if given, else ``models/CURRENT``."""
    models_dir = Path(models_dir)
    if not version:
        pointer = models_dir / CURRENT_FILE
        if not pointer.is_file():
            raise BundleError(f"no model version given and no {CURRENT_FILE} file in {models_dir}")
        version = pointer.read_text(encoding="utf-8").strip()
    if not version or "/" in version or version.startswith("."):
        raise BundleError(f"invalid model version {version!r}")
    path = models_dir / version
    if not path.is_dir():
        raise BundleError(f"model version {version!r} not found in {models_dir}")
    return path


def verify_bundle(path: Path) -> dict:
    """Check every file against ``metadata.json``; return the metadata."""
    meta_path = path / METADATA_FILE
    if not meta_path.is_file():
        raise BundleError(f"{meta_path} is missing")
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{meta_path} is not valid JSON: {exc}") from None
    if not isinstance(metadata, dict):
        raise BundleError(f"{meta_path} is not a JSON object")
    files = metadata.get("files")
    if not isinstance(files, dict) or MODEL_FILE not in files:
        raise BundleError(f"{meta_path} does not list the sha256 of {MODEL_FILE}")
    for name, expected in files.items():
        fpath = path / name
        if Path(name).name != name or not fpath.is_file():
            raise BundleError(f"{name} listed in {METADATA_FILE} is missing from {path}")
        actual = sha256_file(fpath)
        if actual != expected:
            raise BundleError(
                f"{fpath} sha256 {actual[:12]}… does not match {METADATA_FILE} "
                f"({str(expected)[:12]}…): the file was altered or truncated"
            )
    # Nothing may sit beside the listed files: a bundle is exactly what training wrote.
    unlisted = sorted(p.name for p in path.iterdir() if p.name != METADATA_FILE and p.name not in files)
    if unlisted:
        raise BundleError(f"{path} holds files not listed in {METADATA_FILE}: {', '.join(unlisted[:5])}")
    trained_with = metadata.get("sklearn_version")
    if trained_with != sklearn.__version__:
        raise BundleError(
            f"bundle was trained with scikit-learn {trained_with}, "
            f"this process has {sklearn.__version__}; retrain or install the matching version"
        )
    families = metadata.get("feature_families", sorted(LEGACY_FAMILIES))
    if not isinstance(families, list):
        raise BundleError(f"{meta_path}: feature_families must be a list, not {type(families).__name__}")
    missing = sorted({str(f) for f in families} - FEATURE_FAMILIES)
    if missing:
        raise BundleError(
            f"bundle was trained on feature families this code does not produce ({', '.join(missing)}); "
            f"this code has {', '.join(sorted(FEATURE_FAMILIES))}: upgrade the service or serve an older bundle"
        )
    # The engine emits exactly these for this bundle (a legacy bundle's are now explicit).
    metadata["feature_families"] = sorted({str(f) for f in families})
    return metadata


def load_bundle(path: Path | str) -> StanceModel:
    """Verify and load one bundle folder into a :class:`StanceModel`."""
    path = Path(path)
    metadata = verify_bundle(path)
    try:
        bundle = joblib.load(path / MODEL_FILE)
        return StanceModel(bundle, metadata)
    except Exception as exc:
        raise BundleError(f"{path / MODEL_FILE} could not be loaded: {type(exc).__name__}") from None


def save_bundle(
    bundle: dict,
    models_dir: Path | str,
    version: str,
    extra_metadata: dict,
    model_card: str = "",
) -> Path:
    """Write ``models_dir/version/`` with model, card and hashed metadata."""
    path = Path(models_dir) / version
    path.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, path / MODEL_FILE, compress=("xz", 6))
    if model_card:
        (path / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")
    files = {p.name: sha256_file(p) for p in sorted(path.iterdir()) if p.is_file() and p.name != METADATA_FILE}
    metadata = {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "feature_families": sorted(FEATURE_FAMILIES),
        **extra_metadata,
        "files": files,
    }
    tmp = path / (METADATA_FILE + ".tmp")
    tmp.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path / METADATA_FILE)
    return path
