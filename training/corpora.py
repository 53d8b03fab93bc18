"""Readers for the public datasets in ``../shared/data`` and the project's own corpus.

The public files are read in place and never copied into the repository.  Each
reader returns plain examples; :mod:`training.train` turns them into features
through the serving engine.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from service.engine.model import LABELS

POLARITY = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}
OWN_CORPUS = Path(__file__).parent / "data" / "id_targets"
OWN_EN_CORPUS = Path(__file__).parent / "data" / "en_targets"
ID_NEWS_LABELS = Path(__file__).parent / "data" / "id_news" / "labels.jsonl"
# Share of the project's own corpora held back as their dev sets.
OWN_DEV_SHARE = 0.2

SOURCES = {
    "newsmtsc": {"license": "MIT", "citation": "Hamborg & Donnay, EACL 2021"},
    "nusax-senti": {"license": "CC BY-SA 4.0", "citation": "Winata et al., EACL 2023"},
    "indonlu-smsa": {"license": "CC BY-SA 4.0", "citation": "Wilie et al., AACL 2020"},
    "sikap-id-targets": {"license": "project's own (written for Sikap)", "citation": "training/data/id_targets/"},
    "sikap-en-targets": {"license": "project's own (written for Sikap)", "citation": "training/data/en_targets/"},
    "sikap-id-news": {
        "license": "labels: project's own; sentences: IndoNLU NER-P, CC BY-SA 4.0 (read in place, not shipped)",
        "citation": "training/data/id_news/",
    },
}


@dataclass(frozen=True, slots=True)
class TargetExample:
    """A sentence, one target span in it, and the stance label toward the target."""

    text: str
    start: int
    end: int
    label: str
    source: str


@dataclass(frozen=True, slots=True)
class DocExample:
    """A text with its overall sentiment label."""

    text: str
    label: str
    source: str
    language: str


def default_data_dir() -> Path:
    """``SIKAP_DATA_DIR``, else ``../shared/data`` next to the checkout."""
    env = os.environ.get("SIKAP_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data"


def normalise_text(text: str) -> str:
    """Key for de-duplication: lower-case alphanumerics separated by single spaces."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def newsmtsc(data_dir: Path, split: str, coreferences: bool = False) -> list[TargetExample]:
    """NewsMTSC targets: ``train``, or ``rw-dev``/``rw-test``/``mt-dev``/``mt-test``.

    With ``coreferences``, each annotated further mention of a target ("she",
    "the president") becomes an extra example with the target's label.
    """
    base = data_dir / "newsmtsc"
    if split == "train":
        path = base / "train.jsonl"
    else:
        kind, part = split.split("-")
        path = base / "paper_dev_test_splits" / f"newsmtsc-{kind}" / f"{part}.jsonl"
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = row["sentence_normalized"]
            for t in row["targets"]:
                label = POLARITY[t["polarity"]]
                out.append(TargetExample(text, t["from"], t["to"], label, "newsmtsc"))
                if coreferences:
                    for fm in t.get("further_mentions", []):
                        out.append(TargetExample(text, fm["from"], fm["to"], label, "newsmtsc-coref"))
    return out


def nusax(data_dir: Path, language: str, split: str) -> list[DocExample]:
    """NusaX-Senti ``indonesian``/``english`` ``train``/``valid``/``test``."""
    path = data_dir / "nusax-senti" / "datasets" / "sentiment" / language / f"{split}.csv"
    lang = "id" if language == "indonesian" else "en"
    with open(path, encoding="utf-8", newline="") as fh:
        return [DocExample(r["text"], r["label"], "nusax-senti", lang) for r in csv.DictReader(fh)]


def smsa(data_dir: Path, split: str) -> list[DocExample]:
    """IndoNLU SmSA ``train``/``valid``/``test`` (tab-separated, no header)."""
    path = data_dir / "indonlu-smsa" / f"{split}_preprocess.tsv"
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            text, _, label = line.rstrip("\n").rpartition("\t")
            if text and label:
                out.append(DocExample(text, label, "indonlu-smsa", "id"))
    return out


def _letters(text: str) -> str:
    """Letters only, lower-case: NusaX re-punctuated and re-cased SmSA sentences."""
    return re.sub(r"[^a-z]", "", text.lower())


def _shingles(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = normalise_text(text).split()
    return {tuple(words[i : i + n]) for i in range(max(1, len(words) - n + 1))}


def dedupe_against(
    rows: list[DocExample], held_out: list[DocExample], overlap: float = 0.5
) -> tuple[list[DocExample], int]:
    """Drop rows that duplicate or nearly duplicate a ``held_out`` text.

    NusaX-ind was sampled from SmSA and then lightly edited (case, punctuation,
    a city name swapped), so exact matching misses most copies.  A row is dropped
    when its normalised text or its letters match a held-out text, or when it
    contains at least ``overlap`` of some held-out text's word 4-grams.
    Returns ``(kept, dropped)``.
    """
    exact = {normalise_text(r.text) for r in held_out}
    letters = {_letters(r.text) for r in held_out}
    held_shingles = [_shingles(r.text) for r in held_out]
    index: dict[tuple[str, ...], list[int]] = {}
    for i, sh in enumerate(held_shingles):
        for g in sh:
            index.setdefault(g, []).append(i)
    kept = []
    for r in rows:
        if normalise_text(r.text) in exact or _letters(r.text) in letters:
            continue
        hits: dict[int, int] = {}
        for g in _shingles(r.text):
            for i in index.get(g, ()):
                hits[i] = hits.get(i, 0) + 1
        if any(c >= overlap * len(held_shingles[i]) for i, c in hits.items()):
            continue
        kept.append(r)
    return kept, len(rows) - len(kept)


def _is_dev(text: str) -> bool:
    """Stable hash split of the own corpus: the same sentence is always dev or train."""
    digest = hashlib.sha256(normalise_text(text).encode()).digest()
    return digest[0] < 256 * OWN_DEV_SHARE


def own_targets(split: str, corpus_dir: Path = OWN_CORPUS, source: str = "sikap-id-targets") -> list[TargetExample]:
    """A target corpus written for the project (Indonesian by default): ``train``, ``dev`` or ``all``."""
    out = []
    for path in sorted(corpus_dir.glob("*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                text = row["text"]
                if split != "all" and _is_dev(text) != (split == "dev"):
                    continue
                for t in row["targets"]:
                    start = _find(text, t["mention"], t.get("occurrence", 1))
                    if start < 0:
                        raise ValueError(f"{path.name}:{lineno}: mention {t['mention']!r} not in text")
                    out.append(TargetExample(text, start, start + len(t["mention"]), t["label"], source))
    return out


def target_dev_sets(data_dir: Path) -> dict[str, tuple[str, list[TargetExample]]]:
    """The target dev sets training chooses on, by name, with their language.

    Training pools them for its selection rule and ``training.compare`` reports
    them one by one and pooled: one definition, so the two cannot drift apart.
    """
    return {
        "newsmtsc-rw dev": ("en", newsmtsc(data_dir, "rw-dev")),
        "newsmtsc-mt dev": ("en", newsmtsc(data_dir, "mt-dev")),
        "sikap-id-targets dev": ("id", own_targets("dev")),
    }


def own_en_targets(split: str) -> list[TargetExample]:
    """The project's English target corpus (same format and split rule as the Indonesian one)."""
    return own_targets(split, OWN_EN_CORPUS, "sikap-en-targets")


def _find(text: str, mention: str, occurrence: int) -> int:
    """Offset of the ``occurrence``-th (1-based) occurrence of ``mention``, or -1."""
    pos = -1
    for _ in range(occurrence):
        pos = text.find(mention, pos + 1)
        if pos < 0:
            return -1
    return pos


def nerp_sentences(data_dir: Path, split: str) -> list[list[str]]:
    """IndoNLU NER-P ``train``/``valid``/``test`` as token lists (one token and tag per line)."""
    out: list[list[str]] = []
    cur: list[str] = []
    with open(data_dir / "indonlu-nerp" / f"{split}_preprocess.txt", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                if cur:
                    out.append(cur)
                    cur = []
                continue
            cur.append(line.rstrip("\n").rsplit("\t", 1)[0])
    if cur:
        out.append(cur)
    return out


def sentence_digest(text: str) -> str:
    """Short sha1 of a sentence: ties a label to the exact text it was given on."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def id_news_available(data_dir: Path, labels: Path = ID_NEWS_LABELS) -> bool:
    """Whether the labels and every NER-P split file they point into are present.

    Checked before evaluating, so a data folder without NER-P skips the row
    instead of failing a finished training run.
    """
    if not labels.is_file():
        return False
    splits = {json.loads(line)["split"] for line in labels.read_text(encoding="utf-8").splitlines() if line.strip()}
    return all((data_dir / "indonlu-nerp" / f"{split}_preprocess.txt").is_file() for split in splits)


def id_news(data_dir: Path, labels: Path = ID_NEWS_LABELS) -> list[TargetExample]:
    """The project's stance labels on real Indonesian news sentences (IndoNLU NER-P).

    The labels file holds only coordinates (split, sentence index, token span),
    the label and a digest of the sentence; the text is rebuilt from the shared
    data (tokens joined by spaces, as annotated), so no dataset row is stored in
    the repository.  A digest mismatch means the shared file changed, and is
    refused rather than silently mislabelled.
    """
    sentences: dict[str, list[list[str]]] = {}
    out = []
    with open(labels, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if row["split"] not in sentences:
                sentences[row["split"]] = nerp_sentences(data_dir, row["split"])
            split = sentences[row["split"]]
            tokens = split[row["sentence"]] if row["sentence"] < len(split) else []
            text = " ".join(tokens)
            if sentence_digest(text) != row["sha1"]:
                raise ValueError(f"{labels.name}:{lineno}: NER-P {row['split']} sentence {row['sentence']} changed")
            if not 0 <= row["start"] < row["end"] <= len(tokens) or row["label"] not in LABELS:
                raise ValueError(f"{labels.name}:{lineno}: bad token span or label {row['label']!r}")
            start = len(" ".join(tokens[: row["start"]])) + (1 if row["start"] else 0)
            end = start + len(" ".join(tokens[row["start"] : row["end"]]))
            out.append(TargetExample(text, start, end, row["label"], "sikap-id-news"))
    return out
