"""Feature extraction shared by training and serving.

Every training example and every served request goes through
:func:`mention_features` (stance toward a target inside a sentence) or
:func:`document_features` (overall sentiment).  They return lists of feature
*strings*; the fitted vocabulary in :mod:`service.engine.model` turns them into
column indices.  Keeping this pure Python and string-based keeps training and
serving identical and lets the scorer skip scikit-learn's per-call overhead.

Target awareness: the target's tokens become one ``<t>`` token and other
parties' mentions become ``<o>``, so the model learns "X criticised <t>" rather
than "Russia is bad".  Words near the target get extra, side- and
distance-tagged copies; words in a negation scope are marked; Indonesian
affixes are handled by a light stemmer so "mengecam", "dikecam" and "kecaman"
share a feature.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Words, or single punctuation marks (which end negation scopes and mark quotes).
FEATURE_TOKEN_RE = re.compile(r"[^\W_]+|[^\w\s]", re.UNICODE)

NEGATORS = frozenset(
    "tidak tak bukan belum jangan tanpa enggan gagal menolak tolak nggak gak "
    "not no never without nor cannot cant dont doesnt didnt wont isnt arent wasnt "
    "werent hasnt havent hadnt shouldnt wouldnt couldnt n't".split()
)
_SCOPE_END = frozenset('.,;:!?()[]"“”')
_QUOTES = frozenset('"“”')
# Machine-paraphrasing artefacts seen in scraped Indonesian news.
_PARAPHRASE = {"nan": "yang", "hukuman": "sanksi", "bangsa": "negara"}
_PREFIXES = ("memper", "meng", "meny", "mem", "men", "me", "di", "ber", "ter", "per", "ke", "se")
_SUFFIXES = ("kannya", "annya", "nya", "kan", "lah", "kah", "an", "i")

TARGET = "<t>"
OTHER = "<o>"
NEAR = 3
FAR = 8


def normalise(token: str) -> str:
    """Lower-case form used for features: digits collapse, paraphrases unify."""
    low = token.lower()
    if low.isdigit():
        return "0"
    return _PARAPHRASE.get(low, low)


def stem(word: str) -> str:
    """Strip one Indonesian prefix and one suffix, keeping a stem of >= 4 letters.

    Deliberately crude: it only needs to make inflected forms share a feature,
    and English words are left long enough not to be damaged much.
    """
    w = word
    for suf in _SUFFIXES:
        if w.endswith(suf) and len(w) - len(suf) >= 4:
            w = w[: -len(suf)]
            break
    for pre in _PREFIXES:
        if w.startswith(pre) and len(w) - len(pre) >= 4:
            w = w[len(pre) :]
            break
    return w


def _tokens(text: str, start: int, end: int, masks: Sequence[tuple[int, int, str]]) -> tuple[list[str], int]:
    """Normalised tokens of ``text[start:end]`` with masked spans collapsed.

    ``masks`` are sorted ``(start, end, placeholder)`` spans; each becomes a
    single placeholder token.  Returns the tokens and the index of the first
    ``<t>`` token (-1 when there is none).
    """
    out: list[str] = []
    target_at = -1
    pos = start
    for ms, me, ph in masks:
        if me <= pos or ms >= end:
            continue
        ms = max(ms, pos)
        out.extend(normalise(t) for t in FEATURE_TOKEN_RE.findall(text, pos, ms))
        if ph == TARGET and target_at < 0:
            target_at = len(out)
        out.append(ph)
        pos = max(pos, me)
    out.extend(normalise(t) for t in FEATURE_TOKEN_RE.findall(text, pos, end))
    return out, target_at


def _negation_flags(toks: list[str]) -> list[bool]:
    """True for tokens inside a negation scope (after a negator, until punctuation)."""
    flags = [False] * len(toks)
    active = 0
    for i, t in enumerate(toks):
        if t in _SCOPE_END:
            active = 0
        elif t in NEGATORS:
            active = 4
        elif active:
            flags[i] = True
            active -= 1
    return flags


def _bag(toks: list[str], neg: list[bool], out: list[str]) -> None:
    """Unigram, stem, negation and bigram features of a token sequence."""
    prev = "<s>"
    for t, n in zip(toks, neg, strict=True):
        if len(t) == 1 and not t.isalnum():
            prev = t
            continue
        out.append("w:" + t)
        if len(t) >= 6:
            st = stem(t)
            if st != t:
                out.append("s:" + st)
        if n:
            out.append("n:" + t)
        out.append("b:" + prev + " " + t)
        prev = t


def mention_features(
    text: str,
    start: int,
    end: int,
    target: tuple[int, int],
    others: Sequence[tuple[int, int]] = (),
) -> list[str]:
    """Features of the stance toward ``target`` within ``text[start:end]``.

    Parameters
    ----------
    text:
        The analysed string (article text, title, or a training sentence).
    start, end:
        The sentence (context) span.
    target:
        The mention's span; must lie inside the context.
    others:
        Spans of other parties' mentions in the context (masked as ``<o>``).
    """
    masks = [(target[0], target[1], TARGET)]
    masks += [(s, e, OTHER) for s, e in others if e <= target[0] or s >= target[1]]
    masks.sort()
    toks, at = _tokens(text, start, end, masks)
    neg = _negation_flags(toks)
    out: list[str] = []
    _bag(toks, neg, out)
    if at < 0:
        return out
    n = len(toks)
    in_quote = sum(1 for t in toks[:at] if t in _QUOTES) % 2 == 1
    out.append("pos:first" if at == 0 else ("pos:early" if at <= 3 else "pos:late"))
    if in_quote:
        out.append("q:in")
    if OTHER in toks:
        out.append("o:" + ("before" if OTHER in toks[:at] else "after"))
    for side, rng in (("L", range(at - 1, max(-1, at - FAR - 1), -1)), ("R", range(at + 1, min(n, at + FAR + 1)))):
        for dist, i in enumerate(rng, 1):
            t = toks[i]
            tag = side + ("n:" if dist <= NEAR else "f:")
            if neg[i]:
                out.append(tag + "~" + t)
            else:
                out.append(tag + t)
            if len(t) >= 6:
                out.append(tag + "s:" + stem(t))
    if at + 1 < n:
        out.append("Rb:" + toks[at + 1] + (" " + toks[at + 2] if at + 2 < n else ""))
    if at > 0:
        out.append("Lb:" + (toks[at - 2] + " " if at > 1 else "") + toks[at - 1])
    return out


def document_features(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """Features of the overall sentiment of ``text[start:end]``."""
    toks, _ = _tokens(text, start, len(text) if end is None else end, ())
    out: list[str] = []
    _bag(toks, _negation_flags(toks), out)
    return out


def identity(features: list[str]) -> list[str]:
    """Analyzer for ``CountVectorizer``: features are already extracted."""
    return features
