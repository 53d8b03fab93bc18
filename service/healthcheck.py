"""Container health probe: exit 0 when ``/readyz`` answers 200, else 1.

Used by the Dockerfile's ``HEALTHCHECK`` (slim images have no curl).  It reads
the same ``HOST``/``PORT`` as the gunicorn config and imports nothing heavy, so a
probe costs a few milliseconds of CPU.
"""

from __future__ import annotations

import os
import sys
import urllib.request

_WILDCARD = {"", "0.0.0.0", "::", "[::]"}


def probe_url(environ: dict[str, str] | None = None) -> str:
    """The readiness URL of the server this container runs."""
    env = os.environ if environ is None else environ
    host = env.get("HOST", "127.0.0.1")
    if host in _WILDCARD:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{env.get('PORT', '8080')}/readyz"


def main() -> int:
    """Probe once; print the reason on failure (docker inspect shows it)."""
    url = probe_url()
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            if resp.status == 200:
                return 0
            print(f"{url}: HTTP {resp.status}", file=sys.stderr)
    except Exception as exc:  # any failure means "not healthy"
        print(f"{url}: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
