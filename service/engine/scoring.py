"""Article analysis: find mentions, score each in context, aggregate per party.

This is the one entry point both the HTTP layer and the evaluation CLI call.

Aggregation (documented in the README):

* each mention gets probabilities (negative, neutral, positive) from the
  target head, using its sentence with the mention masked;
* mentions in the same sentence are averaged into one evidence unit; a party's
  probabilities are the weighted mean over its units; title units weigh
  ``TITLE_WEIGHT`` (headlines state the article's angle);
* ``score = P(positive) - P(negative)`` in [-1, 1]; with one evidence unit
  ``label`` is the most probable class; with several, ``negative``/``positive``
  when ``|score| >= NEUTRAL_BAND`` and ``neutral`` otherwise;
* ``confidence = max(P) * (1 - 0.5 ** n)`` with ``n`` the weighted unit count:
  one mention can never be more than 50 % "confident", and conflicting evidence
  (positive and negative mentions) pulls ``max(P)`` down.  Below
  ``INSUFFICIENT`` the party is flagged ``insufficient_evidence``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .features import FEATURE_FAMILIES, Token, document_features, features_for_target, sentence_tokens
from .language import detect_language
from .model import LABELS, StanceModel
from .parties import Mention, PartyRegistry, custom_matcher
from .text import Sentence, mask_chrome, split_sentences, tokens

TITLE_WEIGHT = 2.0
# Article-level neutral band for parties with several evidence units; chosen on
# half of training/data/id_articles (0.25 was also best on the other half).
NEUTRAL_BAND = 0.25
INSUFFICIENT = 0.35
MAX_EVIDENCE = 5
# Beyond this many mentions of one party, a spread-out sample is scored (all are
# counted): keeps a 200k-character article linear and bounded in time.
MAX_SCORED_PER_PARTY = 200
_CONTEXT_CHARS = 300
# A "sentence" with more context than this around its mention is a page scraped
# without punctuation (or one token repeated): a window around the mention is
# used instead, so features, evidence and time stay bounded.
MAX_CONTEXT_CHARS = 2000


@dataclass(slots=True)
class PartyRequest:
    """A party the caller asked for: a built-in one or a custom one."""

    name: str
    builtin: str | None = None
    aliases: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class _Scored:
    mention: Mention
    in_title: bool
    context: tuple[int, int]
    probs: np.ndarray | None = None


def _round(x: float) -> float:
    return round(float(x), 4)


def _label_score(p: Sequence[float]) -> tuple[str, float]:
    """Most probable label (the first on a tie, as ``np.argmax``) and P(positive) - P(negative)."""
    p0, p1, p2 = (float(x) for x in p)
    i = 0 if p0 >= p1 and p0 >= p2 else (1 if p1 >= p2 else 2)
    return LABELS[i], _round(p2 - p0)


def _mean_rows(rows: list[list[float]]) -> list[float]:
    """Column means of 3-wide rows, summed in row order like ``np.mean(rows, axis=0)`` (same floats)."""
    a, b, c = rows[0]
    for x, y, z in rows[1:]:
        a += x
        b += y
        c += z
    k = len(rows)
    return [a / k, b / k, c / k]


class _Doc:
    """One analysed string (text or title): masked copy, sentences, tokens."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.masked = mask_chrome(raw)
        self.sentences = split_sentences(self.masked)
        self.starts = [s.start for s in self.sentences]
        self.ends = [s.end for s in self.sentences]
        self.tokens = tokens(self.masked)

    def context(self, start: int, end: int) -> tuple[int, int]:
        """The sentence(s) covering ``[start, end)``; a window if none does or they are huge."""
        lo, hi = 0, len(self.raw)
        i = bisect.bisect_right(self.starts, start) - 1
        if i >= 0:
            s: Sentence = self.sentences[i]
            j = bisect.bisect_left(self.ends, end, lo=i)  # first sentence ending at or after ``end``
            if j < len(self.sentences):
                lo, hi = s.start, self.sentences[j].end
                if hi - lo - (end - start) <= MAX_CONTEXT_CHARS:
                    return lo, hi
        return max(lo, start - _CONTEXT_CHARS), min(hi, end + _CONTEXT_CHARS)


def _find_mentions(
    doc: _Doc, registry: PartyRegistry, parties: Sequence[PartyRequest] | None, with_spans: bool
) -> tuple[list[Mention], list[Mention]]:
    """Mentions of the requested parties (or of every built-in party), and of all built-ins.

    The second list is used only for the other-party side features (``o:L``/``o:R``), so
    the context looks the same whether or not the caller listed the parties.
    """
    if not doc.raw:
        return [], []
    builtin = registry.matcher.find(doc.masked, doc.tokens)
    if parties is None:
        return builtin, builtin
    wanted = {p.builtin for p in parties if p.builtin}
    found = [m for m in builtin if m.party in wanted]
    for p in parties:
        if p.builtin is None and (p.aliases or not p.spans):
            found += custom_matcher(p.name, p.aliases).find(doc.masked, doc.tokens)
        if with_spans:
            found += [Mention(s, e, p.builtin or p.name, None) for s, e in p.spans]
    unique = {(m.start, m.end, m.party): m for m in found}
    return sorted(unique.values(), key=lambda m: (m.start, m.end)), builtin


def _thin(items: list[_Scored], limit: int) -> list[_Scored]:
    """Evenly spread sample of at most ``limit`` items."""
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


@dataclass(slots=True)
class Extraction:
    """Everything the model needs for one article: mentions and feature rows."""

    body: _Doc
    head: _Doc
    scored: dict[str, list[_Scored]]
    counts: dict[str, int]
    batch: list[_Scored]
    rows: list[list[str]]
    doc_row: list[str]


def extract(
    registry: PartyRegistry,
    text: str,
    title: str | None = None,
    parties: Sequence[PartyRequest] | None = None,
    families: frozenset[str] = FEATURE_FAMILIES,
) -> Extraction:
    """Find mentions and build the feature rows, exactly as training does.

    ``training.train`` calls this with a caller span per labelled target, so
    the features a model is trained on are the features it is served;
    ``families`` are the served bundle's feature families (training: all).
    """
    body = _Doc(text)
    head = _Doc(title or "")
    scored: dict[str, list[_Scored]] = {}
    # Distinct spans of every party mention per analysed string, sorted, with the
    # parties mentioned there, for the other-party features (one entry per span, however many
    # parties share it: 100 custom parties on the same spans stay linear).
    spans: dict[bool, list[tuple[int, int, frozenset[str]]]] = {}
    for doc, in_title in ((head, True), (body, False)):
        mentions, builtin = _find_mentions(doc, registry, parties, with_spans=not in_title)
        for m in mentions:
            scored.setdefault(m.party, []).append(_Scored(m, in_title, doc.context(m.start, m.end)))
        owners: dict[tuple[int, int], set[str]] = {}
        for m in (*mentions, *builtin):
            owners.setdefault((m.start, m.end), set()).add(m.party)
        spans[in_title] = sorted((s, e, frozenset(who)) for (s, e), who in owners.items())
    starts = {flag: [s[0] for s in v] for flag, v in spans.items()}
    counts = {name: len(items) for name, items in scored.items()}

    batch: list[_Scored] = []
    rows: list[list[str]] = []
    # Every mention in a sentence shares its tokenisation.
    sentence_cache: dict[tuple[bool, int, int], list[Token]] = {}
    for name, items in scored.items():
        items[:] = _thin(items, MAX_SCORED_PER_PARTY)
        for it in items:
            doc = head if it.in_title else body
            cs, ce = it.context
            ms, me = it.mention.start, it.mention.end
            flag = it.in_title
            lo = bisect.bisect_left(starts[flag], cs)
            hi = bisect.bisect_left(starts[flag], ce)
            others = [
                (s, e)
                for s, e, who in spans[flag][lo:hi]
                if (len(who) > 1 or name not in who) and e <= ce and (e <= ms or s >= me)
            ]
            key = (flag, cs, ce)
            toks = sentence_cache.get(key)
            if toks is None:
                toks = sentence_cache[key] = sentence_tokens(doc.masked, cs, ce)
            rows.append(features_for_target(toks, (ms, me), others, families))
            batch.append(it)
    doc_row = document_features(head.masked, families=families) + document_features(body.masked, families=families)
    return Extraction(body, head, scored, counts, batch, rows, doc_row)


def analyze_article(
    model: StanceModel,
    registry: PartyRegistry,
    text: str,
    title: str | None = None,
    language: str | None = None,
    parties: Sequence[PartyRequest] | None = None,
) -> dict:
    """Analyse one article; return the response body (without ``id``/``model``).

    ``parties=None`` scores every built-in party found; otherwise exactly the
    requested parties, in the names given, even when they have no mention.
    Evidence offsets index into ``text``; title mentions count toward the score
    and ``mentions`` but carry no evidence offsets (see README, "Titles").
    """
    ex = extract(registry, text, title, parties, model.feature_families)
    if language is None:
        language, lang_prob = detect_language(((title or "") + "\n" + ex.body.masked).strip())
    else:
        lang_prob = 1.0

    probs = model.mention_proba(ex.rows)
    for it, p in zip(ex.batch, probs, strict=True):
        it.probs = p
    doc_p = model.document_proba([ex.doc_row], language)[0]
    label, score = _label_score(doc_p)

    wanted = [p.builtin or p.name for p in parties] if parties is not None else list(ex.scored)
    results = [_party_result(name, ex.scored.get(name, []), ex.counts.get(name, 0), ex.body) for name in wanted]
    if parties is None:
        results.sort(key=lambda r: (-r["salience"], r["_first"]))
    for r in results:
        r.pop("_first")
    return {
        "language": language,
        "language_confidence": _round(lang_prob),
        "sentiment": {
            "label": label,
            "score": score,
            "probabilities": {k: _round(v) for k, v in zip(LABELS, doc_p, strict=True)},
        },
        "parties": results,
    }


def _party_result(name: str, items: list[_Scored], n_mentions: int, body: _Doc) -> dict:
    """Aggregate one party's scored mentions into its response object."""
    if not items:
        return {
            "name": name,
            "label": "neutral",
            "score": 0.0,
            "confidence": 0.0,
            "insufficient_evidence": True,
            "probabilities": {k: _round(v) for k, v in zip(LABELS, (0.0, 1.0, 0.0), strict=True)},
            "mentions": 0,
            "mentions_in_title": 0,
            "salience": 0.0,
            "evidence": [],
            "members": [],
            "_first": 1 << 62,
        }
    probs = np.vstack([it.probs for it in items]).tolist()
    # Plain floats from here on: numpy's per-call overhead dominated at 3 columns.
    # Evidence units are sentences: mentions in one sentence (e.g. "Moskow mengirim
    # Lavrov dan Dmitriev") are averaged first, so a list of names does not outvote
    # the rest of the article.
    units: dict[tuple[bool, int, int], list[list[float]]] = {}
    members: dict[str, list[float]] = {}
    for it, p in zip(items, probs, strict=True):
        units.setdefault((it.in_title, *it.context), []).append(p)
        if it.mention.member:
            members.setdefault(it.mention.member, []).append(p[2] - p[0])
    unit_probs = {key: _mean_rows(ps) for key, ps in units.items()}
    weights = [TITLE_WEIGHT if key[0] else 1.0 for key in unit_probs]
    n_eff = sum(weights)
    mean = [sum(w * up[k] for w, up in zip(weights, unit_probs.values(), strict=True)) / n_eff for k in range(3)]
    label, score = _label_score(mean)
    if len(unit_probs) > 1:
        # Averaging many units pulls P(neutral) up (most sentences only report), so
        # an article-level label follows the balance of the evidence instead.
        label = "negative" if score <= -NEUTRAL_BAND else ("positive" if score >= NEUTRAL_BAND else "neutral")
    confidence = max(mean) * (1.0 - 0.5**n_eff)
    evidence = []
    for (in_title, s, e), up in unit_probs.items():
        if not in_title:
            lab, sc = _label_score(up)
            evidence.append({"start": s, "end": e, "text": body.raw[s:e], "label": lab, "score": sc})
    evidence.sort(key=lambda ev: (-abs(ev["score"]), ev["start"]))
    in_title = sum(1 for it in items if it.in_title)
    first = min((it.mention.start for it in items if not it.in_title), default=1 << 61)
    salience = n_mentions + (TITLE_WEIGHT + 1.0) * in_title + (1.0 if first < 400 else 0.0)
    return {
        "name": name,
        "label": label,
        "score": score,
        "confidence": _round(confidence),
        "insufficient_evidence": confidence < INSUFFICIENT,
        "probabilities": {k: _round(v) for k, v in zip(LABELS, mean, strict=True)},
        "mentions": n_mentions,
        "mentions_in_title": in_title,
        "salience": _round(salience),
        "evidence": evidence[:MAX_EVIDENCE],
        "members": sorted(
            ({"name": m, "mentions": len(v), "score": _round(sum(v) / len(v))} for m, v in members.items()),
            key=lambda d: (-d["mentions"], d["name"]),
        ),
        "_first": first,
    }
