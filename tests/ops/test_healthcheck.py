"""The container's HEALTHCHECK probe (python -m service.healthcheck)."""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from service import healthcheck


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("0.0.0.0", "http://127.0.0.1:8080/readyz"),
        ("", "http://127.0.0.1:8080/readyz"),
        ("::", "http://127.0.0.1:8080/readyz"),
        ("10.1.2.3", "http://10.1.2.3:8080/readyz"),
        ("::1", "http://[::1]:8080/readyz"),
    ],
)
def test_probe_url(host, url):
    assert healthcheck.probe_url({"HOST": host, "PORT": "8080"}) == url


@pytest.fixture
def fake_server():
    status = {"code": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status["code"] if self.path == "/readyz" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_address[1], status
    srv.shutdown()
    srv.server_close()


def test_exit_status_follows_readyz(fake_server, monkeypatch, capsys):
    port, status = fake_server
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", str(port))
    assert healthcheck.main() == 0
    status["code"] = 503
    assert healthcheck.main() == 1
    assert "503" in capsys.readouterr().err


def test_nothing_listening_is_unhealthy(monkeypatch, capsys):
    from tests.servers import free_port

    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", str(free_port()))
    assert healthcheck.main() == 1
    assert "readyz" in capsys.readouterr().err
