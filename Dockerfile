# Sikap: the stance service and its shipped model, as a non-root image that runs
# on a read-only root filesystem.
#
#   docker build --network host -t sikap .
#   docker run --rm -p 8080:8080 --read-only --tmpfs /tmp sikap
#
# Few, fat steps on purpose: every step costs a full filesystem copy on some
# storage drivers (vfs), so metadata comes before the one big COPY.

# ---- build: pinned dependencies (requirements.lock, as `make run` uses) in /opt/venv
FROM python:3.11-slim AS build

COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
       /opt/venv/bin/pip install --no-compile -r /tmp/requirements.lock \
    && /opt/venv/bin/pip uninstall -y -q pip setuptools \
    && find /opt/venv -depth -type d \( -name tests -o -name __pycache__ \) -path '*/site-packages/*' -exec rm -rf {} + \
    && /opt/venv/bin/python -m compileall -q -j 0 /opt/venv/lib

# service/, models/ (and requirements.lock): .dockerignore lets nothing else in.
COPY . /app/
# Stage everything the runtime needs under /rootfs, so it arrives in one COPY:
# the venv, the code with its bytecode (the running filesystem is read-only, so
# nothing can be compiled there), the model, and a passwd entry for uid 10001.
RUN python -m compileall -q /app/service \
    && rm /app/requirements.lock \
    && groupadd --system --gid 10001 sikap \
    && useradd --system --uid 10001 --gid sikap --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin sikap \
    && mkdir -p /rootfs/etc /rootfs/opt \
    && cp /etc/passwd /etc/group /rootfs/etc/ \
    && mv /opt/venv /rootfs/opt/venv \
    && mv /app /rootfs/app \
    && chmod -R a+rX,go-w /rootfs/app

# ---- runtime
FROM python:3.11-slim AS runtime

ENV PATH=/opt/venv/bin:/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 \
    PORT=8080 \
    SIKAP_MODELS_DIR=/app/models
WORKDIR /app
# A fixed numeric uid, so orchestrators can verify runAsNonRoot without a passwd lookup.
USER 10001:10001
EXPOSE 8080
# Ready = /readyz answers 200 (model loaded and warmed up); python, as slim has no curl.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-m", "service.healthcheck"]
# Exec form: gunicorn is PID 1 and gets docker stop's SIGTERM itself (drains, exits 0).
# Workers: WEB_CONCURRENCY, by default the CPUs this container may use.
CMD ["gunicorn", "-c", "service/gunicorn.conf.py", "service.wsgi:app"]

# Code and model are owned by root: the service user can read, never change, them.
COPY --from=build /rootfs /
