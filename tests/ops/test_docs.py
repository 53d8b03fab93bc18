"""GET /docs: the API reference rendered on the server, readable with no network."""

import html
import re

from service.docs import render_docs


def test_docs_page_describes_every_operation(client):
    spec = client.get("/openapi.json").get_json()
    resp = client.get("/docs")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert f'<span class="path">{path}</span>' in page
            assert f'<span class="method {method.upper()}">' in page
            assert html.escape(op["summary"]) in page
    # the request schema as a field table, with its limits
    for field in ("id", "title", "text", "language", "parties", "metadata"):
        assert f"<td><code>{field}</code></td>" in page
    assert "max length 200000" in page
    assert "application/problem+json" in page  # errors documented under their real media type


def test_docs_page_works_offline(client):
    resp = client.get("/docs")
    page = resp.get_data(as_text=True)
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "nothing may be fetched from elsewhere"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    anchors = set(re.findall(r'id="([^"]+)"', page))
    links = set(re.findall(r'href="#([^"]+)"', page))
    assert links and links <= anchors, f"dangling links: {links - anchors}"


def test_docs_escape_what_the_document_says():
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "T <b>", "version": "1", "description": "<script>alert(1)</script>"},
        "paths": {
            "/x": {
                "post": {
                    "summary": "a <i>summary</i>",
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/In.1"}}}},
                    "responses": {"200": {"description": "OK"}},
                }
            }
        },
        "components": {
            "schemas": {
                "In.1": {
                    "type": "object",
                    "required": ["n"],
                    "properties": {
                        "n": {"type": "integer", "minimum": 1, "description": "<img src=x>"},
                        "tags": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    },
                }
            }
        },
    }
    page = render_docs(doc)
    assert "<script>" not in page and "<img" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page
    assert '<a href="#schema-In.1">In</a>' in page
    assert "array of (string | integer)" in page
    assert "≥ 1" in page
