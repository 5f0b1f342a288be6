"""Access tokens are verified once per process; the user row is checked on every request (read from the
database here, where no listener runs; from the user cache in server processes, see test_user_cache.py)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt import tokens
from rest_framework_simplejwt.tokens import AccessToken

from finance.users.authentication import VerifiedTokens, verified_tokens
from finance.users.models import User
from finance.users.selectors import user_for_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_token_memory():
    verified_tokens.clear()
    yield
    verified_tokens.clear()


def bearer(user) -> tuple[APIClient, str]:
    raw = str(AccessToken.for_user(user))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client, raw


def test_a_repeated_token_costs_one_query_for_the_user_row(user):
    client, raw = bearer(user)
    assert client.get("/auth/me").status_code == 200
    assert verified_tokens.get(raw.encode()) is not None
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/auth/me")
    assert response.json()["email"] == user.email
    assert len(queries) == 1
    assert "users_user" in queries[0]["sql"]


def test_a_deactivated_user_is_refused_at_once_with_a_remembered_token(user):
    client, _ = bearer(user)
    assert client.get("/auth/me").status_code == 200
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get("/auth/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_password_change_revokes_a_remembered_token(user):
    client, _ = bearer(user)
    assert client.get("/accounts").status_code == 200
    user.set_password("another-horse-battery-7")
    user.save()
    assert client.get("/accounts").status_code == 401


def test_a_deleted_user_is_refused(user):
    client, _ = bearer(user)
    assert client.get("/accounts").status_code == 200
    User.objects.filter(pk=user.pk).delete()
    assert client.get("/accounts").status_code == 401


def test_a_remembered_token_still_expires(user, monkeypatch):
    client, raw = bearer(user)
    assert client.get("/accounts").status_code == 200
    later = tokens.aware_utcnow() + timedelta(days=1)
    monkeypatch.setattr(tokens, "aware_utcnow", lambda: later)
    assert client.get("/accounts").status_code == 401
    assert verified_tokens.get(raw.encode()) is None


def test_a_tampered_token_is_never_remembered_as_valid(user):
    _, raw = bearer(user)
    header, payload, signature = raw.split(".")
    forged = f"{header}.{payload}.{signature[:-2]}xx"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert client.get("/accounts").status_code == 401
    assert verified_tokens.get(forged.encode()) is None


def test_the_memory_is_bounded_and_forgets_the_oldest(user):
    memory = VerifiedTokens(size=2)
    raws = [str(AccessToken.for_user(user)).encode() for _ in range(3)]
    for raw in raws:
        memory.remember(raw, AccessToken(raw))
    assert memory.get(raws[0]) is None
    assert memory.get(raws[2]) is not None


def test_the_precompiled_user_read_matches_the_orm(user):
    assert user_for_token(user.pk).__dict__.keys() >= {"email", "created_at", "is_active"}
    fast, orm = user_for_token(user.pk), User.objects.get(pk=user.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(fast, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert user_for_token(user.pk + 1000) is None


def _me(header: str | None):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    return client.get("/auth/me")


def test_refusals_are_in_the_apis_own_words_and_say_which(user, settings):
    fresh = str(AccessToken.for_user(user))
    expired_token = AccessToken.for_user(user)
    expired_token.set_exp(lifetime=-timedelta(seconds=60))
    refresh = str(tokens.RefreshToken.for_user(user))
    cases = {
        None: "This endpoint needs an access token: send 'Authorization: Bearer <access token>' (POST /auth/login).",
        "Basic YW5uOnNlY3JldA==": (
            "This endpoint needs an access token: send 'Authorization: Bearer <access token>' (POST /auth/login)."
        ),
        "Bearer": "The Authorization header must be 'Bearer' followed by one access token.",
        f"Bearer {fresh} extra": "The Authorization header must be 'Bearer' followed by one access token.",
        f"Bearer {expired_token}": "The access token has expired; get a new pair from POST /auth/refresh.",
        f"Bearer {fresh[:-3]}abc": "The access token is not valid; log in again (POST /auth/login).",
        f"Bearer {refresh}": "The access token is not valid; log in again (POST /auth/login).",
    }
    for header, detail in cases.items():
        response = _me(header)
        assert response.status_code == 401, header
        assert response.json()["detail"] == detail, header
        challenge = response["WWW-Authenticate"]
        assert challenge.startswith('Bearer realm="api"')
        if header is None or header.startswith("Basic"):
            assert "error=" not in challenge  # nothing was refused: a token is needed
        elif detail.startswith("The Authorization header"):
            assert challenge.endswith('error="invalid_request"'), header
        else:
            assert challenge.endswith('error="invalid_token"'), header


def test_a_deactivated_user_or_a_changed_password_is_told(user):
    client, _ = bearer(user)
    user.set_password("another-horse-battery-7")
    user.save()
    assert client.get("/auth/me").json()["detail"] == (
        "The password was changed after this token was issued; log in again."
    )
    verified_tokens.clear()
    client, _ = bearer(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert (
        client.get("/auth/me").json()["detail"]
        == "The user of this token no longer exists or was deactivated."
    )
