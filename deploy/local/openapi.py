"""The OpenAPI document as the app serves it: GET /schema?format=json through the WSGI application, on the
embedded defaults (nothing is contacted). `make openapi-lint` lints this file.

    python -m deploy.local.openapi var/openapi.json
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def served_schema() -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")  # the file is the output, not the request log
    import django

    django.setup()
    from django.test import Client

    response = Client(HTTP_HOST="127.0.0.1").get("/schema", {"format": "json"})
    if response.status_code != 200:
        raise SystemExit(f"/schema answered {response.status_code}: {response.content[:500]!r}")
    return json.loads(response.content)


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m deploy.local.openapi OUTPUT.json")
    target = Path(argv[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(served_schema(), indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
