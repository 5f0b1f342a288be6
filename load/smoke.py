"""A Locust smoke run against a throwaway local stack: gunicorn on loopback with its own database.

    python -m load.smoke            (make load-smoke)

The stack is the production shape minus nginx (deploy/local/live.py `running_app`), with the abuse limits
relaxed (load/target.py) and access tokens living 30 seconds, so that every simulated user also refreshes
its token during the run. Exits non-zero when Locust reports a failure or a breached threshold.
"""

import csv
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from deploy.local.live import ROOT, running_app
from load.target import RELAXED_LIMITS

LOCUSTFILE = ROOT / "load" / "locustfile.py"
RESULTS = ROOT / "load" / "results"
TOKEN_SECONDS = 30
# The throwaway stack hashes passwords cheaply: the smoke checks journeys, and a second of CPU per sign-up
# would spend most of a short run in PBKDF2. Load runs against a real target keep the real hasher.
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
# Refresh 25 s before expiry: 5 s after each login or refresh, several times in a smoke run.
REFRESH_MARGIN = 25


@dataclass
class SmokeRun:
    returncode: int
    output: str
    stats_csv: Path
    html: Path
    rows: dict[str, dict] = field(default_factory=dict)  # "METHOD name" -> Locust's CSV row


def read_stats(path: Path) -> dict[str, dict]:
    with path.open(newline="") as handle:
        return {f"{row['Type']} {row['Name']}": row for row in csv.DictReader(handle) if row["Type"]}


def smoke_target():
    """The throwaway stack: one gunicorn worker (quicker to start) with the load-target settings."""
    return running_app(
        workers=1,
        threads=8,
        JWT_ACCESS_TTL=str(TOKEN_SECONDS),
        PASSWORD_HASHERS=FAST_HASHER,
        **RELAXED_LIMITS,
    )


def run_locust(url: str, *, results: Path = RESULTS, extra: tuple[str, ...] = ()) -> SmokeRun:
    """The smoke shape against `url`; `extra` adds or overrides Locust arguments."""
    results.mkdir(parents=True, exist_ok=True)
    prefix, html = results / "smoke", results / "smoke.html"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "--host",
        url,
        "--shape",
        "smoke",
        "--csv",
        str(prefix),
        "--html",
        str(html),
        *extra,
    ]
    env = {
        **os.environ,
        "LOAD_THINK_TIME": os.environ.get("LOAD_THINK_TIME", "0.1,0.3"),
        "LOAD_REFRESH_MARGIN": str(REFRESH_MARGIN),
    }
    completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    stats_csv = Path(f"{prefix}_stats.csv")
    rows = read_stats(stats_csv) if stats_csv.exists() else {}
    return SmokeRun(completed.returncode, completed.stdout + completed.stderr, stats_csv, html, rows)


def main() -> int:
    with smoke_target() as app:
        result = run_locust(app.url)
    print(result.output[-6000:])
    print(f"CSV: {result.stats_csv}\nHTML: {result.html}")
    print("smoke passed" if result.returncode == 0 else f"smoke FAILED (exit {result.returncode})")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
