"""/redoc and /docs, opened in headless Chromium: they render the API's operations and load nothing from
another origin (no CDN, no web fonts). Chromium is kept off the network entirely: it resolves no host but
loopback, so a page that tried another origin shows in the network log and the console, not on the wire."""

import json
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest

# Debian's package, Ubuntu's, or Chrome where it is preinstalled (GitHub's runners): the same flags.
BROWSER = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        BROWSER is None, reason="Chromium is not installed (make system-packages installs it)"
    ),
]

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=NetworkTimeServiceQuerying,AutofillServerCommunication,OptimizationHints",
    # Nothing but loopback resolves: the browser's own background requests never leave the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=20000",
]


def open_page(url: str, tmp_path) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Open `url`, let its scripts run: (the rendered DOM, [(initiator, url)] of every request the page
    made, the console lines)."""
    net_log = tmp_path / "net.json"
    result = subprocess.run(
        [
            str(BROWSER),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--log-net-log={net_log}",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = [
        (event["params"].get("initiator", ""), event["params"]["url"])
        for event in log["events"]
        if event["type"] == start_job and "url" in event.get("params", {})
    ]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    return result.stdout, requests, console


@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        # Redoc renders every operation's summary and the document's own description.
        (
            "/redoc",
            [
                "Get an access and a refresh token",
                "Income, expense, balance and transfers for a period",
                "Idempotency",
            ],
        ),
        # Swagger UI renders a block per operation.
        ("/docs", ["opblock", "/auth/login", "Income, expense, balance and transfers for a period"]),
    ],
)
def test_the_docs_page_renders_and_loads_nothing_from_another_origin(live_app, tmp_path, page, rendered):
    dom, requests, console = open_page(f"{live_app.url}{page}", tmp_path)
    for text in rendered:
        assert text in dom, f"{page} did not render {text!r}"
    origin = urlsplit(live_app.url).netloc
    # Requests a page makes carry its origin as initiator; the browser's own have none ("not an origin").
    made_by_the_page = [(initiator, url) for initiator, url in requests if initiator.startswith("http")]
    assert made_by_the_page, requests
    elsewhere = [url for _, url in made_by_the_page if urlsplit(url).netloc != origin]
    assert not elsewhere, f"{page} loaded from another origin: {elsewhere}"
    refused = [line for line in console if "Refused to" in line or "Content Security Policy" in line]
    assert not refused, f"{page}: {refused}"
