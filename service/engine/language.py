"""Language identification for the two languages Sikap analyses.

py3langid ships its model inside the wheel, so nothing is downloaded at run
time.  It is restricted to Indonesian, Malay and English: Malay is folded into
Indonesian because short Indonesian news text is often scored as Malay and the
two share the vocabulary the model relies on.
"""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

SUPPORTED = ("id", "en")
# Enough text to decide; identification cost is linear in what it reads.
_SAMPLE_CHARS = 1000


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """Load the shipped langid model once per process."""
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(["id", "ms", "en"])
    return ident


def detect_language(text: str) -> tuple[str, float]:
    """Return ``(language, probability)`` with language in :data:`SUPPORTED`."""
    sample = text[:_SAMPLE_CHARS]
    if not sample.strip():
        return "id", 0.0
    probs = dict(_identifier().rank(sample))
    p_id = probs.get("id", 0.0) + probs.get("ms", 0.0)
    p_en = probs.get("en", 0.0)
    return ("id", float(p_id)) if p_id >= p_en else ("en", float(p_en))


def warm_up() -> None:
    """Load the model now rather than on the first request."""
    detect_language("Presiden bertemu menteri luar negeri di Jakarta.")
