"""Tokens: revocation, tampering, brute force. Parallel refreshes and the separate signing key run against
gunicorn in test_live_concurrency.py."""

import base64
import json
from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def login(api, email, password=PASSWORD, ip="10.0.0.1"):
    return api.post("/auth/login", {"email": email, "password": password}, REMOTE_ADDR=ip)


def assert_401_problem(response):
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 401
    assert body["request_id"]


def refresh(api, token):
    return api.post("/auth/refresh", {"refresh": str(token)})


@pytest.fixture
def pair(api, user):
    response = login(api, user.email)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def admin(db):
    return UserFactory(role="admin")


# --- revocation -----------------------------------------------------------------------------------------


def test_deactivating_a_user_stops_their_access_and_refresh_tokens_at_once(api, user, pair, admin):
    assert bearer(pair["access"]).get("/auth/me").status_code == 200
    response = bearer(RefreshToken.for_user(admin).access_token).patch(
        f"/users/{user.pk}", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert_401_problem(bearer(pair["access"]).get("/accounts"))
    assert_401_problem(refresh(api, pair["refresh"]))
    assert login(api, user.email).status_code == 401


def test_reactivating_does_not_revive_refresh_tokens_revoked_by_deactivation(api, user, pair, admin):
    admin_client = bearer(RefreshToken.for_user(admin).access_token)
    admin_client.patch(f"/users/{user.pk}", {"is_active": False}, format="json")
    admin_client.patch(f"/users/{user.pk}", {"is_active": True}, format="json")
    assert_401_problem(refresh(api, pair["refresh"]))
    assert login(api, user.email).status_code == 200


def test_tokens_of_a_deleted_user_stop_working(api, user, pair):
    user.delete()
    assert_401_problem(bearer(pair["access"]).get("/auth/me"))
    assert_401_problem(refresh(api, pair["refresh"]))


def test_a_password_change_revokes_refresh_and_access_tokens(api, user, pair):
    second = login(api, user.email).json()
    response = bearer(pair["access"]).post(
        "/auth/password",
        {"current_password": PASSWORD, "new_password": "another-long-passphrase-7"},
        format="json",
    )
    assert response.status_code == 204
    for tokens in (pair, second):
        assert_401_problem(bearer(tokens["access"]).get("/auth/me"))
        assert_401_problem(refresh(api, tokens["refresh"]))
    fresh = login(api, user.email, password="another-long-passphrase-7")
    assert fresh.status_code == 200
    assert bearer(fresh.json()["access"]).get("/auth/me").status_code == 200


def test_a_wrong_current_password_changes_nothing(api, user, pair):
    response = bearer(pair["access"]).post(
        "/auth/password",
        {"current_password": "not-it-at-all-1", "new_password": "another-long-passphrase-7"},
        format="json",
    )
    assert response.status_code == 403
    assert bearer(pair["access"]).get("/auth/me").status_code == 200
    assert refresh(api, pair["refresh"]).status_code == 200


def test_a_refresh_token_works_once(api, pair):
    rotated = refresh(api, pair["refresh"])
    assert rotated.status_code == 200
    assert_401_problem(refresh(api, pair["refresh"]))
    assert refresh(api, rotated.json()["refresh"]).status_code == 200


def test_logout_revokes_the_refresh_token(api, pair):
    response = bearer(pair["access"]).post("/auth/logout", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 204
    assert_401_problem(refresh(api, pair["refresh"]))


def test_logout_refuses_another_users_refresh_token(api, pair, other_user):
    theirs = str(RefreshToken.for_user(other_user))
    response = bearer(pair["access"]).post("/auth/logout", {"refresh": theirs}, format="json")
    assert_401_problem(response)
    assert refresh(api, theirs).status_code == 200


# --- tampering ------------------------------------------------------------------------------------------


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _payload(token: str) -> dict:
    segment = _segments(token)[1]
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _forged(user, other_user):
    access = str(RefreshToken.for_user(user).access_token)
    claims = _payload(access)
    header, _, signature = _segments(access)
    return {
        "alg-none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "wrong-key": jwt.encode(claims, "not-the-signing-key-but-long-enough-0123456789", algorithm="HS256"),
        "edited-payload": f"{header}.{_b64({**claims, 'user_id': other_user.pk})}.{signature}",
        "hs512-confusion": jwt.encode(claims, settings.SIMPLE_JWT["SIGNING_KEY"], algorithm="HS512"),
        "refresh-as-access": str(RefreshToken.for_user(user)),
        "expired": _expired_access(user),
        "garbage": "not.a.jwt",
    }


def _expired_access(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=60))
    return str(token)


@pytest.mark.parametrize(
    "kind",
    ["alg-none", "wrong-key", "edited-payload", "hs512-confusion", "refresh-as-access", "expired", "garbage"],
)
def test_a_tampered_or_misused_access_token_is_refused(user, other_user, kind):
    token = _forged(user, other_user)[kind]
    response = bearer(token).get("/auth/me")
    assert_401_problem(response)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("kind", ["access-as-refresh", "wrong-key", "expired"])
def test_a_tampered_or_misused_refresh_token_is_refused(api, user, kind):
    real = RefreshToken.for_user(user)
    if kind == "access-as-refresh":
        token = str(real.access_token)
    elif kind == "wrong-key":
        token = jwt.encode(_payload(str(real)), "some-other-signing-key-long-enough-0123", algorithm="HS256")
    else:
        real.set_exp(lifetime=-timedelta(seconds=60))
        token = str(real)
    assert_401_problem(refresh(api, token))


def test_the_token_is_signed_with_the_configured_key(user):
    token = str(RefreshToken.for_user(user).access_token)
    claims = jwt.decode(token, settings.SIMPLE_JWT["SIGNING_KEY"], algorithms=["HS256"])
    assert claims["user_id"] == str(user.pk)


# --- login ----------------------------------------------------------------------------------------------


def _without_request_id(response) -> tuple[int, dict]:
    body = dict(response.json())
    body.pop("request_id")
    return response.status_code, body


def test_an_unknown_email_answers_exactly_like_a_wrong_password(api, user):
    inactive = UserFactory(is_active=False)
    wrong_password = login(api, user.email, password="wrong-password-123", ip="10.0.1.1")
    unknown_email = login(api, "nobody-here@example.com", ip="10.0.1.2")
    inactive_user = login(api, inactive.email, ip="10.0.1.3")
    assert _without_request_id(wrong_password) == _without_request_id(unknown_email)
    assert _without_request_id(inactive_user) == _without_request_id(unknown_email)
    assert wrong_password.status_code == 401
    assert set(wrong_password.headers) == set(unknown_email.headers)


def test_failed_logins_slow_an_email_down_across_addresses_but_never_lock_it(api, user):
    limit = settings.LOGIN_FAILURE_LIMIT
    for attempt in range(limit):
        assert login(api, user.email, password="wrong", ip=f"10.1.0.{attempt}").status_code == 401
    # The email is under attack: a fresh address gets one failure for it, then waits...
    assert login(api, user.email, password="wrong", ip="10.1.1.1").status_code == 401
    blocked = login(api, user.email, ip="10.1.1.1")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    assert blocked["Content-Type"] == "application/problem+json"
    # ...while the owner, from an address without failures, logs in, and another account is not affected.
    assert login(api, user.email, ip="10.1.1.3").status_code == 200
    assert login(api, UserFactory().email, ip="10.1.1.2").status_code == 200


def test_failed_logins_are_limited_per_address_across_emails(api, user, settings):
    settings.LOGIN_FAILURE_ADDRESS_LIMIT = limit = 7  # below the login throttle's 10 a minute
    for attempt in range(limit):
        assert login(api, f"guess{attempt}@example.com", ip="10.2.0.1").status_code == 401
    blocked = login(api, user.email, ip="10.2.0.1")
    assert blocked.status_code == 429
    assert int(blocked["Retry-After"]) > 0
    # The same user from another address is fine: the email itself has no failures.
    assert login(api, user.email, ip="10.2.0.2").status_code == 200


def test_unknown_emails_are_slowed_down_like_real_ones(api):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(api, "ghost@example.com", ip="10.3.0.1")
    assert login(api, "ghost@example.com", ip="10.3.0.2").status_code == 401
    assert login(api, "ghost@example.com", ip="10.3.0.2").status_code == 429
