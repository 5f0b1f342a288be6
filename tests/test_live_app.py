"""The app under gunicorn with the project's config: it starts, serves, and logs JSON lines."""

import pytest

from deploy.local.live import http, running_app

pytestmark = pytest.mark.process


def test_it_serves_a_registration_and_login_under_gunicorn():
    with running_app() as app:
        status, _, body = http(
            "POST",
            f"{app.url}/auth/register",
            body={"email": "live@example.com", "password": "correct-horse-battery-9"},
        )
        assert status == 201, body
        status, headers, body = http(
            "POST",
            f"{app.url}/auth/login",
            body={"email": "live@example.com", "password": "correct-horse-battery-9"},
        )
        assert status == 200
        assert set(body) == {"access", "refresh"}
        request_id = headers["X-Request-ID"]
        lines = [line for line in app.process.json_lines() if line.get("event") == "request.finished"]
        assert any(line["request_id"] == request_id and line["route"] == "/auth/login" for line in lines)
