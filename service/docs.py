"""``GET /docs``: the API reference as one self-contained HTML page.

spectree's own pages (``/apidoc/swagger``, ``/apidoc/redoc``) load their
JavaScript from a CDN, so they are blank on an air-gapped network.  This page
is rendered on the server from the same OpenAPI document as ``/openapi.json``
(itself generated from the pydantic schemas): every operation with its request
body, responses and field tables, no scripts and nothing fetched from elsewhere.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from flask import Blueprint, Response
from jinja2 import Environment
from markupsafe import Markup, escape
from spectree import Response as SpecResponse

from .openapi import document, spec

bp = Blueprint("docs", __name__)

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
_REF = re.compile(r'"#/components/schemas/([^"]+)"')
_METHODS = ("get", "post", "put", "patch", "delete")
_CONSTRAINTS = (
    ("minLength", "min length"),
    ("maxLength", "max length"),
    ("minItems", "min items"),
    ("maxItems", "max items"),
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
    ("pattern", "pattern"),
)


@bp.get("/docs")
@spec.validate(resp=SpecResponse("HTTP_200"), tags=["ops"], skip_validation=True)
def docs() -> Response:
    """The human-readable API reference (HTML, works offline)."""
    resp = Response(_render(), mimetype="text/html")
    resp.headers["Content-Security-Policy"] = _CSP
    return resp


@cache
def _render() -> str:
    """Render once per process: the document does not change while it runs."""
    return render_docs(document())


def render_docs(doc: dict[str, Any]) -> str:
    """The HTML reference for an OpenAPI 3 document."""
    schemas = doc.get("components", {}).get("schemas", {})
    names = _SchemaNames(schemas)
    operations = []
    for path, item in doc.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            body = op.get("requestBody", {}).get("content", {})
            operations.append(
                {
                    "id": op.get("operationId") or f"{method}-{path}",
                    "method": method.upper(),
                    "path": path,
                    "tag": (op.get("tags") or ["other"])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "request": names.contents(body),
                    "responses": [
                        (status, r.get("description", ""), names.contents(r.get("content", {})))
                        for status, r in sorted(op.get("responses", {}).items())
                    ],
                }
            )
    tags = [t["name"] for t in doc.get("tags", [])]
    tags += sorted({o["tag"] for o in operations} - set(tags))
    groups = [(t, [o for o in operations if o["tag"] == t]) for t in tags]
    return _TEMPLATE.render(
        info=doc.get("info", {}),
        openapi=doc.get("openapi", ""),
        groups=[g for g in groups if g[1]],
        schemas=[(anchor, names.display(anchor), names.fields(schemas[anchor])) for anchor in names.unique()],
    )


class _SchemaNames:
    """Short display names and anchors for component schemas.

    spectree names components ``AnalyzeResponse.40832f5.Evidence``; the page
    shows ``Evidence`` and lists identical schemas that share a name once.
    """

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas
        self.canonical: dict[str, str] = {}
        seen: dict[tuple[str, str], str] = {}
        for key, schema in schemas.items():
            # Nested copies differ only in where their $refs point; compare by shown names.
            body = _REF.sub(lambda m: self.display(m.group(1)), json.dumps(schema, sort_keys=True, default=str))
            self.canonical[key] = seen.setdefault((self.display(key), body), key)

    def unique(self) -> list[str]:
        """One key per distinct schema, sorted by display name."""
        return sorted(set(self.canonical.values()), key=lambda k: (self.display(k).lower(), k))

    @staticmethod
    def display(key: str) -> str:
        """``AnalyzeRequest.40832f5.PartySpec`` → ``PartySpec``."""
        return key.rsplit(".", 1)[-1] if key.count(".") >= 2 else key.split(".", 1)[0]

    def link(self, ref: str) -> Markup:
        """A link to the schema a ``$ref`` points at."""
        key = self.canonical.get(ref.rpartition("/")[2], ref.rpartition("/")[2])
        return Markup('<a href="#schema-{0}">{1}</a>').format(key, self.display(key))

    def type_html(self, schema: dict[str, Any]) -> Markup:
        """A compact, linked type expression: ``string | null``, ``array of PartySpec``."""
        if not schema:
            return Markup("any")
        if "$ref" in schema:
            return self.link(schema["$ref"])
        for combo, sep in (("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")):
            if combo in schema:
                return Markup(sep).join(self.type_html(s) for s in schema[combo])
        if "enum" in schema:
            return Markup(" | ").join(Markup("<code>{0}</code>").format(json.dumps(v)) for v in schema["enum"])
        if "const" in schema:
            return Markup("<code>{0}</code>").format(json.dumps(schema["const"]))
        kind = schema.get("type", "any")
        if isinstance(kind, list):
            return Markup(" | ").join(escape(k) for k in kind)
        if kind == "array" and "prefixItems" in schema:
            return Markup("[") + Markup(", ").join(self.type_html(s) for s in schema["prefixItems"]) + Markup("]")
        if kind == "array":
            items = schema.get("items", {})
            inner = self.type_html(items)
            return Markup("array of ") + (Markup("(%s)") % inner if _is_union(items) else inner)
        if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
            return Markup("object of ") + self.type_html(schema["additionalProperties"])
        return escape(kind + (f" ({schema['format']})" if "format" in schema else ""))

    def contents(self, content: dict[str, Any]) -> list[tuple[str, Markup]]:
        """``(media type, linked type)`` for each entry of an OpenAPI ``content`` map."""
        return [(ctype, self.type_html(c.get("schema", {}))) for ctype, c in content.items()]

    def fields(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Description and one row per property of an object schema."""
        required = set(schema.get("required", []))
        rows = []
        for name, prop in schema.get("properties", {}).items():
            notes = [f"{label} {_limit(prop, key)}" for key, label in _CONSTRAINTS if _limit(prop, key) is not None]
            if "default" in prop and prop["default"] is not None:
                notes.append(f"default {json.dumps(prop['default'])}")
            rows.append(
                {
                    "name": name,
                    "type": self.type_html(prop),
                    "required": name in required,
                    "description": prop.get("description", ""),
                    "notes": ", ".join(notes),
                }
            )
        return {
            "description": schema.get("description", ""),
            "type": None if rows else self.type_html(schema),
            "closed": schema.get("additionalProperties") is False,
            "rows": rows,
        }


def _is_union(schema: dict[str, Any]) -> bool:
    """Whether the schema renders as ``a | b`` (and needs brackets inside ``array of``)."""
    return any(len(schema.get(k, ())) > 1 for k in ("anyOf", "oneOf", "allOf", "enum"))


def _limit(prop: dict[str, Any], key: str) -> Any:
    """A constraint on the property or, for ``X | null``, on its non-null branch."""
    if key in prop:
        return prop[key]
    for branch in prop.get("anyOf", []):
        if key in branch:
            return branch[key]
    return None


_TEMPLATE = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ info.title }} — API reference</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #222; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 2px solid #ddd; margin-top: 2.5rem; }
h3 { margin: 1.8rem 0 .3rem; } code { background: #f3f3f3; padding: 0 .2rem; border-radius: 3px; }
.method { display: inline-block; min-width: 3.5rem; padding: .1rem .4rem; border-radius: 4px; color: #fff;
  font: bold 13px monospace; text-align: center; background: #555; }
.GET { background: #2f7d32; } .POST { background: #1f5fa8; } .DELETE { background: #a82020; }
.path { font: bold 15px monospace; } table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; font-size: 14px; }
th { background: #f7f7f7; } .muted { color: #666; } nav li { margin: .1rem 0; }
</style>
</head>
<body>
<h1>{{ info.title }}</h1>
<p class="muted">API version {{ info.version }} · OpenAPI {{ openapi }} ·
machine-readable: <a href="/openapi.json">/openapi.json</a></p>
{% if info.description %}<p>{{ info.description }}</p>{% endif %}
<nav><ul>
{% for tag, ops in groups %}
{% for op in ops %}
<li><span class="method {{ op.method }}">{{ op.method }}</span> <a class="path" href="#op-{{ op.id }}">{{ op.path }}</a>
<span class="muted">{{ op.summary }}</span></li>
{% endfor %}
{% endfor %}
<li><a href="#schemas">Schemas</a></li>
</ul></nav>

{% for tag, ops in groups %}
<h2>{{ tag }}</h2>
{% for op in ops %}
<h3 id="op-{{ op.id }}"><span class="method {{ op.method }}">{{ op.method }}</span>
<span class="path">{{ op.path }}</span></h3>
<p>{{ op.summary }}</p>
{% if op.description and op.description != op.summary %}<p class="muted">{{ op.description }}</p>{% endif %}
{% if op.request %}
<p><b>Request body</b>:
{% for ctype, type in op.request %}
<code>{{ ctype }}</code> {{ type }}{% if not loop.last %}; {% endif %}
{% endfor %}</p>
{% endif %}
<table><tr><th>status</th><th>meaning</th><th>body</th></tr>
{% for status, description, contents in op.responses %}
<tr><td>{{ status }}</td><td>{{ description }}</td>
<td>{% for ctype, type in contents %}
<code>{{ ctype }}</code> {{ type }}{% if not loop.last %}<br>{% endif %}
{% endfor %}</td></tr>
{% endfor %}
</table>
{% endfor %}
{% endfor %}

<h2 id="schemas">Schemas</h2>
{% for anchor, name, s in schemas %}
<h3 id="schema-{{ anchor }}">{{ name }}</h3>
{% if s.description %}<p>{{ s.description }}</p>{% endif %}
{% if s.rows %}
<table><tr><th>field</th><th>type</th><th>required</th><th>description</th><th>constraints</th></tr>
{% for r in s.rows %}
<tr><td><code>{{ r.name }}</code></td><td>{{ r.type }}</td><td>{{ "yes" if r.required else "" }}</td>
<td>{{ r.description }}</td><td class="muted">{{ r.notes }}</td></tr>
{% endfor %}
</table>
{% if s.closed %}<p class="muted">Other fields are rejected (422).</p>{% endif %}
{% else %}
<p>Type: {{ s.type }}</p>
{% endif %}
{% endfor %}
</body>
</html>
"""
)
