"""Feature extraction shared by training and serving.

Every training example and every served request goes through
:func:`mention_features` (stance toward a target inside a sentence) or
:func:`document_features` (overall sentiment).  They return lists of feature
*strings*; the fitted vocabulary in :mod:`service.engine.model` turns them into
column indices.  Keeping this pure Python and string-based keeps training and
serving identical and lets the scorer skip scikit-learn's per-call overhead.

Target awareness: the target's tokens become one ``<t>`` token, so the model
learns "X criticised <t>" rather than "Russia is bad"; other parties' mentions
add side features (``o:L``/``o:R``).  Around the target: distance-binned left/right words, the
target's clause, its neighbours, its position (sentence start ~ subject), whether
it sits inside a quote, and sentiment-lexicon hits by side and distance.
Negation scope is marked (``NOT_`` prefix until punctuation) and flips lexicon
polarity.  Indonesian affixes are handled by a light stemmer so "mendukung",
"didukung" and "dukungan" share a feature ("dikecam"/"kecaman" do, "mengecam"
does not: the stemmer does not restore a nasal-assimilated k/t/p/s).
English inflections share a truncated prefix instead ("criticized",
"criticism" -> ``p:criti``).

Lexicons (see :mod:`service.engine.lexicon`): VADER's English lexicon (MIT,
shipped in the vaderSentiment wheel), Sikap's own English political-news additions
to it, and Sikap's own Indonesian news lexicon.

Feature families: every function takes the ``families`` a bundle was trained on
and emits exactly those, so a bundle trained before a family existed is served
the features it was trained on (an added lexicon word would otherwise change
what an existing feature means to it).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .lexicon import lexicon

# Words (with inner apostrophes: "don't", "Putin's"), or single punctuation marks.
FEATURE_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]", re.UNICODE)

NEGATORS = frozenset(
    "tidak tak bukan belum jangan tanpa enggak nggak gak tdk blm ngga engga kagak ndak "
    "not no never without nobody nothing none neither nor cannot hardly".split()
)
_SCOPE_END = frozenset('.,;:!?()[]"“”—–-')
_CLAUSE_BREAK = frozenset(".,;:!?()[]\"“”—–") | {
    "but", "while", "although", "though", "whereas", "tetapi", "tapi", "namun", "sedangkan", "sementara",
}  # fmt: skip
_QUOTES = frozenset('"“”')
_SUBJ_SKIP = frozenset(
    "the a an president former sen rep mr ms mrs gov but and dr then presiden menteri menlu pm "
    "perdana mantan juru bicara pemerintah delegasi pihak".split()
)
# Machine-paraphrasing artefacts seen in scraped Indonesian news.
_PARAPHRASE = {"nan": "yang", "hukuman": "sanksi", "bangsa": "negara"}
_PREFIXES = ("memper", "meng", "meny", "mem", "men", "me", "di", "ber", "ter", "per", "ke", "se")
_SUFFIXES = ("kannya", "annya", "nya", "kan", "lah", "kah", "an", "i")

TARGET = "<t>"
WINDOW = 10
LEX_WINDOW = 5
PREFIX_LEN = 5  # p: features: the first 5 letters of ...
PREFIX_MIN = 7  # ... alphabetic words of 7+ letters the stemmer leaves unchanged

# The feature families this code emits.  A bundle records the families it was
# trained on and is refused where one is missing (a newer bundle on older code
# would otherwise lose features silently); the engine emits only the families
# the served bundle has.  Changing what an existing family emits means giving it
# a new name, so bundles trained on the old one are refused.
# "base": everything up to model 2026.11.29-5; "prefix": the p: features (-7);
# "lexicon-en": lexicon_en.tsv's words count as lexicon hits (-9).
FEATURE_FAMILIES = frozenset({"base", "prefix", "lexicon-en"})
# Bundles written before metadata named their feature families were trained on these.
LEGACY_FAMILIES = frozenset({"base"})


@lru_cache(maxsize=1 << 16)
def normalise(token: str) -> str:
    """Lower-case form used for features: digits collapse, paraphrases unify."""
    low = token.lower()
    if low.isdigit():
        return "0"
    return _PARAPHRASE.get(low, low)


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """Strip one Indonesian suffix and one prefix, keeping a stem of >= 4 letters.

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


Token = tuple[int, int, str]


def sentence_tokens(text: str, start: int, end: int) -> list[Token]:
    """``(start, end, normalised)`` of every feature token in ``text[start:end]``.

    Computed once per sentence and shared by all mentions in it.
    """
    return [(m.start(), m.end(), normalise(m.group())) for m in FEATURE_TOKEN_RE.finditer(text, start, end)]


def _splice(tokens: Sequence[Token], target: tuple[int, int]) -> tuple[list[str], int]:
    """Sentence tokens with those overlapping ``target`` replaced by one ``<t>``.

    Returns the tokens and the index of ``<t>`` (-1 if the target covers no token).
    """
    ts, te = target
    out: list[str] = []
    at = -1
    for s, e, t in tokens:
        if e <= ts or s >= te:
            out.append(t)
        elif at < 0:
            at = len(out)
            out.append(TARGET)
    return out, at


def _negation(toks: list[str]) -> list[bool]:
    """True for tokens inside a negation scope (after a negator, until punctuation)."""
    flags = [False] * len(toks)
    on = False
    for i, t in enumerate(toks):
        if t in _SCOPE_END:
            on = False
        elif on:
            flags[i] = True
        if t in NEGATORS or t.endswith("n't"):
            on = True
    return flags


def _dbin(d: int) -> str:
    """Distance bin: 1, 2, 3, 4-6, 7-10, far."""
    return str(d) if d <= 3 else ("4" if d <= 6 else ("7" if d <= 10 else "f"))


def _bag(toks: list[str], neg: list[bool], out: list[str], prefixes: bool = False) -> list[str]:
    """Unigrams (negation-marked), stems and bigrams; returns the marked tokens.

    With ``prefixes``, long words the Indonesian stemmer leaves alone (mostly
    English, or bare Indonesian roots) also get a truncated prefix ``p:``, a
    cheap English stemmer: "criticized", "criticism" and "critics" share
    ``p:criti``.  Mention features use it (NewsMTSC dev and grouped CV gained);
    document features do not (the English document head lost NusaX valid F1).
    """
    wt = ["NOT_" + t if n else t for t, n in zip(toks, neg, strict=True)]
    for t, w in zip(toks, wt, strict=True):
        out.append("w:" + w)
        if len(t) >= 6:
            st = stem(t)
            if st != t:
                out.append("s:" + st)
            elif prefixes and len(t) >= PREFIX_MIN and t.isalpha():
                # w keeps its NOT_ mark: "NOT_" + t[:PREFIX_LEN] or t[:PREFIX_LEN].
                out.append("p:" + w[: len(w) - len(t) + PREFIX_LEN])
    for i in range(len(toks) - 1):
        out.append("b:" + toks[i] + "_" + toks[i + 1])
    return wt


def _lexicon_hits(toks: list[str], neg: list[bool], families: frozenset[str]) -> list[tuple[int, float]]:
    """(index, signed valence) of lexicon words, polarity flipped under negation."""
    lex = lexicon("lexicon-en" in families)
    hits = []
    for i, t in enumerate(toks):
        v = lex.get(t)
        if v:
            hits.append((i, -v if neg[i] else v))
    return hits


def mention_features(
    text: str,
    start: int,
    end: int,
    target: tuple[int, int],
    others: Sequence[tuple[int, int]] = (),
    families: frozenset[str] = FEATURE_FAMILIES,
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
        Spans of other parties' mentions in the context (side features ``o:L``/``o:R``).
    families:
        The feature families to emit: the served bundle's (default: all of this code's).
    """
    return features_for_target(sentence_tokens(text, start, end), target, others, families)


def features_for_target(
    tokens: Sequence[Token],
    target: tuple[int, int],
    others: Sequence[tuple[int, int]] = (),
    families: frozenset[str] = FEATURE_FAMILIES,
) -> list[str]:
    """:func:`mention_features` from precomputed :func:`sentence_tokens`."""
    toks, ti = _splice(tokens, target)
    neg = _negation(toks)
    out: list[str] = []
    wt = _bag(toks, neg, out, prefixes="prefix" in families)
    if ti < 0:
        return out
    ap = out.append
    n = len(toks)
    for i in range(max(0, ti - WINDOW), ti):
        ap("L" + _dbin(ti - i) + ":" + wt[i])
    for i in range(ti + 1, min(n, ti + 1 + WINDOW)):
        ap("R" + _dbin(i - ti) + ":" + wt[i])
    for i in range(ti):
        ap("L:" + wt[i])
    for i in range(ti + 1, n):
        ap("R:" + wt[i])
    # The target's clause.
    s = ti
    while s > 0 and toks[s - 1] not in _CLAUSE_BREAK:
        s -= 1
    e = ti + 1
    while e < n and toks[e] not in _CLAUSE_BREAK:
        e += 1
    for i in range(s, e):
        if i != ti:
            ap("C:" + wt[i])
    for i in range(s, e - 1):
        ap("Cb:" + toks[i] + "_" + toks[i + 1])
    ap("TL2:" + ("_".join(toks[max(0, ti - 2) : ti]) or "^"))
    ap("TR2:" + ("_".join(toks[ti + 1 : ti + 3]) or "$"))
    # Position: first content word of the sentence is usually the subject.
    k = 0
    while k < ti and toks[k] in _SUBJ_SKIP:
        k += 1
    subject = k == ti
    ap("tp:start" if subject else "tp:notstart")
    ap("tp:q" + str(4 * ti // max(n, 1)))
    if sum(1 for t in toks[:ti] if t in _QUOTES) % 2 == 1:
        ap("tp:inquote")
    if any(t in _QUOTES for t in toks):
        ap("tp:hasquote")
    # Other parties keep their words (masking them cost accuracy on dev data);
    # their presence and side are features of their own.
    for s_, e_ in others:
        if e_ <= target[0]:
            ap("o:L")
        elif s_ >= target[1]:
            ap("o:R")
    role = "S" if subject else "O"
    for j, v in _lexicon_hits(toks, neg, families):
        sg = "pos" if v > 0 else "neg"
        ap("lex:" + sg)
        if abs(v) >= 2:
            ap("lex:" + sg + "2")
        side = "L" if j < ti else "R"
        d = abs(j - ti)
        if d <= LEX_WINDOW:
            ap("lex" + side + ":" + sg)
            ap("lexW" + _dbin(d) + ":" + sg)
        ap("X" + role + side + ":" + sg)
        if d <= 3:
            ap("X" + role + "near:" + sg)
    return out


def document_features(
    text: str, start: int = 0, end: int | None = None, families: frozenset[str] = FEATURE_FAMILIES
) -> list[str]:
    """Features of the overall sentiment of ``text[start:end]`` (``families`` as for mentions)."""
    toks = [t for _, _, t in sentence_tokens(text, start, len(text) if end is None else end)]
    neg = _negation(toks)
    out: list[str] = []
    _bag(toks, neg, out)
    for _, v in _lexicon_hits(toks, neg, families):
        sg = "pos" if v > 0 else "neg"
        out.append("lex:" + sg)
        if abs(v) >= 2:
            out.append("lex:" + sg + "2")
    return out


def identity(features: list[str]) -> list[str]:
    """Analyzer for ``CountVectorizer``: features are already extracted."""
    return features
