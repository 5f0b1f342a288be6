"""What /static/ serves under gunicorn: the collected files only, whatever an env file leaves blank.

STATIC_ROOT arrives as an empty string, as compose hands it over from .env.example (`STATIC_ROOT=`). The docs'
assets must load; the code, the settings and the scripts must not. (The image's own check, with the whole of
.env.example, is `make image-check`.)
"""

import re
import subprocess

import pytest

from deploy.local.live import PYTHON, ROOT, Gunicorn, app_env, http

pytestmark = pytest.mark.process

SOURCE_PATHS = [
    "/static/manage.py",
    "/static/src/config/settings.py",
    "/static/src/config/keys.py",
    "/static/deploy/entrypoint.sh",
    "/static/.env.example",
    "/static/pyproject.toml",
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    var = tmp_path_factory.mktemp("var")
    env = app_env(f"sqlite:///{var}/db.sqlite3", DEBUG="false", VAR_DIR=str(var), STATIC_ROOT="")
    # VAR_DIR is named here only to keep the collected files out of the working tree; STATIC_ROOT is blank.
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    server = Gunicorn(env, workers=1, threads=4)
    try:
        yield server
    finally:
        server.close()


@pytest.mark.parametrize("path", SOURCE_PATHS)
def test_no_source_file_is_served_under_static(app, path):
    status, _, body = http("GET", f"{app.url}{path}")
    assert status == 404, f"{path} answered {status}"
    assert "SECRET_KEY" not in str(body)


def test_every_asset_the_docs_pages_load_is_served(app):
    assets = set()
    for page in ("/docs", "/redoc"):
        status, _, html = http("GET", f"{app.url}{page}")
        assert status == 200
        assets |= set(re.findall(r"""["'](/static/[^"']+)["']""", html))
    assert len(assets) >= 3, assets
    for asset in sorted(assets):
        status, headers, _ = http("GET", f"{app.url}{asset}")
        assert status == 200, f"{asset} answered {status}"
        assert headers["Content-Type"].split(";")[0] in {
            "text/css",
            "text/javascript",
            "application/javascript",
            "image/png",
        }
