"""The party registry and the mention matcher.

Parties (countries, blocs, organisations) and their members (people,
institutions, capitals) live in ``data/parties.json`` so that editors can extend
them without touching code.  Matching works on tokens, not on one regex per
alias: the text is tokenised once and each token is looked up in a dict keyed by
the first token of every alias, so the cost is linear in the text and nearly
independent of the registry size.

Indonesian affixes: a particle suffix (-nya, -lah, -kah, -pun) on the last token
is tolerated ("Rusianya"), and hyphens split tokens ("Rusia-AS", "pro-Rusia").
Short ambiguous aliases (``cased_aliases`` such as "AS", "US", "UE") match only
with their exact capitalisation, as a whole token, and not inside an
all-capitals run of page furniture or shouting headlines.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .text import TOKEN_RE

DEFAULT_REGISTRY = Path(__file__).parent / "data" / "parties.json"
_SUFFIXES = ("nya", "lah", "kah", "pun")
# Characters allowed between the tokens of one multi-token alias.
_JOINERS = frozenset(" \t-.'’‘`\u00a0")
MAX_ALIAS_TOKENS = 8


@dataclass(frozen=True, slots=True)
class Entity:
    """Something that can be mentioned: a party itself or one of its members."""

    party: str
    name: str
    kind: str
    is_party: bool


@dataclass(frozen=True, slots=True)
class Mention:
    """One matched mention: a span of the analysed string and what it refers to."""

    start: int
    end: int
    party: str
    member: str | None


@dataclass(slots=True)
class _Alias:
    tokens: tuple[str, ...]
    cased: tuple[str, ...] | None
    entity: Entity | None  # None: a phrase that only looks like a mention (consumed, not reported)
    gaps: tuple[str, ...]  # the alias's own text between its tokens
    tail: str  # punctuation after the last token ("U.S." -> ".")


def alias_tokens(alias: str) -> list[str]:
    """Split an alias the way text is split, so both sides compare equal."""
    return TOKEN_RE.findall(alias)


class AliasMatcher:
    """Find whole-word, affix-tolerant mentions of a set of aliases in text.

    Parameters
    ----------
    entries:
        ``(alias, entity, cased)`` triples; ``cased`` aliases must match exactly.
        An entity of ``None`` marks a phrase that contains an alias but names no
        party ("bahasa Inggris", "Amerika Latin"): being longer, it wins over
        the alias inside it and is then dropped.
    """

    def __init__(self, entries: Iterable[tuple[str, Entity | None, bool]]) -> None:
        self._by_first: dict[str, list[_Alias]] = {}
        for alias, entity, cased in entries:
            spans = [m.span() for m in TOKEN_RE.finditer(alias)]
            if not spans or len(spans) > MAX_ALIAS_TOKENS:
                continue
            toks = [alias[a:b] for a, b in spans]
            lowered = tuple(t.lower() for t in toks)
            gaps = tuple(alias[spans[j - 1][1] : spans[j][0]].lower() for j in range(1, len(spans)))
            tail = alias[spans[-1][1] :].rstrip().lower()
            entry = _Alias(lowered, tuple(toks) if cased else None, entity, gaps, tail)
            self._by_first.setdefault(lowered[0], []).append(entry)
        for cands in self._by_first.values():
            # Longest alias first, so "Gedung Putih" beats a shorter prefix.
            cands.sort(key=lambda a: -len(a.tokens))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())

    def find(self, text: str, token_spans: Sequence[tuple[int, int]]) -> list[Mention]:
        """Return mentions in ``text`` given its token spans, left to right."""
        by_first = self._by_first
        lowered = [text[s:e].lower() for s, e in token_spans]
        out: list[Mention] = []
        n = len(token_spans)
        i = 0
        while i < n:
            low = lowered[i]
            cands = by_first.get(low)
            stripped = None
            if cands is None:
                stripped = _strip_suffix(low)
                cands = by_first.get(stripped) if stripped else None
            hit = None
            if cands:
                for cand in cands:
                    k = len(cand.tokens)
                    if i + k > n:
                        continue
                    if self._matches(text, token_spans, lowered, i, cand):
                        hit = cand
                        break
            if hit is None:
                i += 1
                continue
            k = len(hit.tokens)
            start = token_spans[i][0]
            end = token_spans[i + k - 1][1]
            if hit.tail and text[end : end + len(hit.tail)].lower() == hit.tail:
                end += len(hit.tail)
            e = hit.entity
            if e is not None and (hit.cased is None or _cased_context_ok(text, start, end)):
                out.append(Mention(start, end, e.party, None if e.is_party else e.name))
            i += k
        return out

    @staticmethod
    def _matches(
        text: str,
        spans: Sequence[tuple[int, int]],
        lowered: list[str],
        i: int,
        cand: _Alias,
    ) -> bool:
        """Whether alias ``cand`` matches the tokens starting at ``i``."""
        toks = cand.tokens
        k = len(toks)
        for j in range(k):
            low = lowered[i + j]
            if low != toks[j]:
                # Only the last token may carry a particle suffix.
                if j != k - 1 or _strip_suffix(low) != toks[j]:
                    return False
            if j:
                gap = text[spans[i + j - 1][1] : spans[i + j][0]]
                if gap.lower() != cand.gaps[j - 1] and not _joined(gap):
                    return False
        if cand.cased is not None:
            for j in range(k):
                s, e = spans[i + j]
                if text[s:e] != cand.cased[j]:
                    return False
        return True


def _strip_suffix(token: str) -> str | None:
    """Return ``token`` without an Indonesian particle suffix, if it has one."""
    for suf in _SUFFIXES:
        if token.endswith(suf) and len(token) - len(suf) >= 3:
            return token[: -len(suf)]
    return None


def _joined(gap: str) -> bool:
    """Whether text between two tokens is a plain joiner (space, hyphen, dot, apostrophe)."""
    return len(gap) <= 2 and all(c in _JOINERS for c in gap)


def _cased_context_ok(text: str, start: int, end: int) -> bool:
    """A short cased alias counts only where the nearby text is not all capitals."""
    window = text[max(0, start - 40) : start] + text[end : end + 40]
    return any(c.islower() for c in window)


@dataclass(slots=True)
class Party:
    """A built-in party with its aliases and members."""

    name: str
    kind: str
    aliases: list[str]
    cased_aliases: list[str]
    members: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain-JSON form, as served by ``GET /v1/parties``."""
        return {
            "name": self.name,
            "kind": self.kind,
            "aliases": self.aliases,
            "cased_aliases": self.cased_aliases,
            "members": self.members,
        }


class PartyRegistry:
    """Built-in parties, name resolution, and one matcher over all their aliases."""

    def __init__(self, parties: list[Party], version: str = "", not_mentions: Iterable[str] = ()) -> None:
        self.parties = parties
        self.version = version
        self._by_name = {p.name: p for p in parties}
        self._lookup: dict[str, str] = {}
        self._cased_lookup: dict[str, str] = {}
        entries: list[tuple[str, Entity | None, bool]] = [(phrase, None, False) for phrase in not_mentions]
        for p in parties:
            pe = Entity(p.name, p.name, p.kind, True)
            self._lookup[p.name.lower()] = p.name
            for a in p.aliases:
                self._lookup[a.lower()] = p.name
                entries.append((a, pe, False))
            for a in p.cased_aliases:
                self._cased_lookup[a] = p.name
                entries.append((a, pe, True))
            for m in p.members:
                me = Entity(p.name, m["name"], m.get("kind", "person"), False)
                self._lookup.setdefault(m["name"].lower(), p.name)
                for a in m.get("aliases", []):
                    self._lookup.setdefault(a.lower(), p.name)
                    entries.append((a, me, False))
                for a in m.get("cased_aliases", []):
                    self._cased_lookup.setdefault(a, p.name)
                    entries.append((a, me, True))
        self.matcher = AliasMatcher(entries)

    @classmethod
    def load(cls, path: Path | str = DEFAULT_REGISTRY) -> PartyRegistry:
        """Read a registry JSON file (see ``data/parties.json``)."""
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        parties = [
            Party(
                name=p["name"],
                kind=p.get("kind", "country"),
                aliases=list(p.get("aliases", [])),
                cased_aliases=list(p.get("cased_aliases", [])),
                members=list(p.get("members", [])),
            )
            for p in raw["parties"]
        ]
        return cls(parties, version=str(raw.get("version", "")), not_mentions=raw.get("not_mentions", []))

    def resolve(self, name: str) -> str | None:
        """Canonical party name for a party name, alias or member alias, else None."""
        name = name.strip()
        return self._cased_lookup.get(name) or self._lookup.get(name.lower())

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def as_dicts(self) -> list[dict]:
        """All parties in plain-JSON form."""
        return [p.as_dict() for p in self.parties]


def custom_matcher(name: str, aliases: Iterable[str]) -> AliasMatcher:
    """Matcher for a caller-defined party: its name and aliases, case-insensitive."""
    entity = Entity(name, name, "custom", True)
    seen: set[str] = set()
    entries = []
    for a in [name, *aliases]:
        key = a.strip().lower()
        if key and key not in seen:
            seen.add(key)
            # "AS", "UE", "PBB": short capitals are abbreviations, matched as written.
            entries.append((a, entity, a.isupper() and len(a.strip()) <= 4))
    return AliasMatcher(entries)
