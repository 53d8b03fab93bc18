"""Request and response schemas: they validate requests *and* generate /openapi.json.

Validation that needs the party registry (is "Rusia" a built-in party?) reads
it from the pydantic validation context, so every 422 comes out of one place
with one ``errors`` list.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

MAX_TEXT = 200_000
MAX_PARTIES = 100
MAX_ALIASES = 50
MAX_SPANS = 1000
MAX_NAME = 200
MAX_METADATA_DEPTH = 32

Label = Literal["negative", "neutral", "positive"]
Score = Annotated[float, Field(ge=-1.0, le=1.0)]
Prob = Annotated[float, Field(ge=0.0, le=1.0)]
# One C-level scan: a generator over every character cost ~10 ms on a 200,000-char text.
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogates(value: str) -> bool:
    """Whether ``value`` holds a lone UTF-16 surrogate (not encodable as UTF-8)."""
    return _SURROGATE.search(value) is not None


def _no_surrogates(value: str) -> str:
    """Lone surrogates cannot be encoded as UTF-8; reject them up front."""
    if has_surrogates(value):
        raise ValueError("contains a lone UTF-16 surrogate (invalid Unicode)")
    return value


def _echoable(value: Any) -> Any:
    """Metadata is echoed back: it must serialise as strict UTF-8 JSON.

    Rejects lone surrogates (in keys or strings), NaN/Infinity (``1e999999``
    parses to inf) and nesting deeper than ``MAX_METADATA_DEPTH``; walked
    iteratively so no input can exhaust the stack.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            raise ValueError(f"nesting deeper than {MAX_METADATA_DEPTH} levels")
        if isinstance(item, str):
            _no_surrogates(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValueError("contains a non-finite number (NaN or Infinity)")
        elif isinstance(item, dict):
            for k, v in item.items():
                _no_surrogates(str(k))
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return value


class PartySpec(BaseModel):
    """A caller-defined party: its name, aliases to match, and/or mention spans."""

    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field(min_length=1, max_length=MAX_NAME, description="name used in the response")
    aliases: list[Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)]] = Field(
        default_factory=list, max_length=MAX_ALIASES, description="strings matched whole-word, case-insensitive"
    )
    spans: list[tuple[StrictInt, StrictInt]] = Field(
        default_factory=list,
        max_length=MAX_SPANS,
        description="[start, end) character offsets into `text` of mentions the caller already found",
    )

    @field_validator("name", "aliases")
    @classmethod
    def _clean(cls, v: Any) -> Any:
        for s in v if isinstance(v, list) else [v]:
            _no_surrogates(s)
            if not s.strip():
                raise ValueError("must not be blank")
        return v


class AnalyzeRequest(BaseModel):
    """One article to analyse."""

    model_config = ConfigDict(extra="forbid")

    id: StrictStr | StrictInt | None = Field(None, description="caller's id, echoed back")
    title: StrictStr | None = Field(None, max_length=2000, description="headline; scored, see README 'Titles'")
    text: StrictStr = Field(min_length=1, max_length=MAX_TEXT, description="article body")
    language: Literal["id", "en"] | None = Field(None, description="detected when absent")
    parties: list[Annotated[StrictStr, Field(min_length=1, max_length=MAX_NAME)] | PartySpec] | None = Field(
        None,
        max_length=MAX_PARTIES,
        description="parties to score: built-in names/aliases or custom parties; absent = all built-ins found",
    )
    metadata: dict[str, Any] | None = Field(None, description="free-form, echoed back unchanged")

    @field_validator("text", "title", "id")
    @classmethod
    def _valid_unicode(cls, v: Any) -> Any:
        if isinstance(v, str):
            _no_surrogates(v)
        return v

    @field_validator("metadata")
    @classmethod
    def _echoable_metadata(cls, v: Any) -> Any:
        return _echoable(v)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("text must contain non-whitespace characters")
        return v

    @field_validator("parties")
    @classmethod
    def _known_parties(cls, v: Any, info: ValidationInfo) -> Any:
        registry = (info.context or {}).get("registry")
        if v is None or registry is None:
            return v
        seen: dict[str, int] = {}
        for i, item in enumerate(v):
            if isinstance(item, str):
                _no_surrogates(item)
                canonical = registry.resolve(item)
                if canonical is None:
                    raise ValueError(
                        f"parties[{i}]: {item!r} is not a built-in party or alias (see GET /v1/parties); "
                        'define it as {"name": ..., "aliases": [...]}'
                    )
                key = canonical
            else:
                key = item.name
            if key in seen:
                raise ValueError(f"parties[{i}] repeats parties[{seen[key]}] ({key!r})")
            seen[key] = i
        return v

    @model_validator(mode="after")
    def _spans_inside_text(self) -> AnalyzeRequest:
        n = len(self.text)
        for i, item in enumerate(self.parties or []):
            if isinstance(item, PartySpec):
                for j, (s, e) in enumerate(item.spans):
                    if not 0 <= s < e <= n:
                        raise ValueError(
                            f"parties[{i}].spans[{j}] = [{s}, {e}] must satisfy 0 <= start < end <= len(text) = {n}"
                        )
        return self


class BatchRequest(BaseModel):
    """Up to 256 articles; each item is validated on its own (see AnalyzeRequest)."""

    model_config = ConfigDict(extra="forbid")

    articles: list[Any] = Field(
        min_length=1,
        max_length=256,
        description="AnalyzeRequest objects; an invalid item gets an error in its result slot",
    )


class BatchRequestDoc(BaseModel):
    """Documented shape of a batch: the envelope of :class:`BatchRequest`, items as AnalyzeRequest.

    The envelope is validated with :class:`BatchRequest` and each item with
    :class:`AnalyzeRequest`, so one bad item cannot reject its neighbours.
    """

    model_config = ConfigDict(extra="forbid", title="BatchRequest")

    articles: list[AnalyzeRequest] = Field(min_length=1, max_length=256)


class Probabilities(BaseModel):
    negative: Prob
    neutral: Prob
    positive: Prob


class Sentiment(BaseModel):
    label: Label
    score: Score
    probabilities: Probabilities


class Evidence(BaseModel):
    start: int = Field(description="offset into `text`")
    end: int
    text: str = Field(description="exactly text[start:end]: the sentence")
    label: Label
    score: Score


class Member(BaseModel):
    name: str
    mentions: int
    score: Score


class PartyResult(BaseModel):
    name: str
    label: Label
    score: Score
    confidence: Prob
    insufficient_evidence: bool
    probabilities: Probabilities
    mentions: int
    mentions_in_title: int
    salience: float
    evidence: list[Evidence]
    members: list[Member]


class ModelRef(BaseModel):
    version: str


class AnalyzeResponse(BaseModel):
    id: str | int | None = None
    language: Literal["id", "en"]
    language_confidence: Prob
    model: ModelRef
    sentiment: Sentiment
    parties: list[PartyResult]
    metadata: dict[str, Any] | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


class BatchItem(BaseModel):
    """Either a result (the AnalyzeResponse fields) or ``{"error": Problem}``."""

    model_config = ConfigDict(extra="allow")

    error: Problem | None = None


class BatchResponse(BaseModel):
    results: list[AnalyzeResponse | BatchItem]


class Status(BaseModel):
    status: str
    model: str | None = None
    detail: str | None = None
