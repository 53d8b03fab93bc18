"""docker-compose.yml says what the Dockerfile and the gunicorn config expect."""

import yaml

from tests.servers import REPO


def test_compose_runs_the_image_as_documented():
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    svc = compose["services"]["sikap"]
    assert svc["build"]["context"] == "."
    assert svc["build"]["network"] == "host"
    assert any(str(p).endswith(":8080") for p in svc["ports"])  # the image's PORT
    (models,) = [v for v in svc["volumes"] if v["target"] == "/app/models"]  # the image's SIKAP_MODELS_DIR
    assert models["type"] == "bind" and models["source"] == "./models" and models["read_only"] is True
    assert svc["read_only"] is True and "/tmp" in svc["tmpfs"]
    assert int(svc["stop_grace_period"].rstrip("s")) > 8  # longer than gunicorn's graceful timeout
    for name in ("WEB_CONCURRENCY", "SIKAP_MODEL_VERSION", "SIKAP_API_KEYS"):
        assert name in svc["environment"]


def test_dockerfile_contract():
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert text.count("FROM python:3.11-slim") == 2  # multi-stage, on the name that builds everywhere
    assert "requirements.lock" in text
    assert "USER 10001:10001" in text
    assert 'CMD ["gunicorn", "-c", "service/gunicorn.conf.py", "service.wsgi:app"]' in text
    assert 'CMD ["python", "-m", "service.healthcheck"]' in text
    assert "HOST=0.0.0.0" in text and "PORT=8080" in text and "SIKAP_MODELS_DIR=/app/models" in text
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignore[ignore.index("*") + 1 :][:3] == ["!requirements.lock", "!service/", "!models/"]
