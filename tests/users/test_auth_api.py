import pytest
from rest_framework.throttling import ScopedRateThrottle

from finance.users.models import User
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def register(api, email="ann@example.com", password=PASSWORD, **extra):
    return api.post("/auth/register", {"email": email, "password": password, **extra}, format="json")


def login(api, email, password=PASSWORD):
    return api.post("/auth/login", {"email": email, "password": password}, format="json")


def test_it_registers_a_user_without_exposing_the_password(api):
    response = register(api)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "role", "is_active", "created_at"}
    assert body["role"] == "user"
    user = User.objects.get(pk=body["id"])
    assert user.check_password(PASSWORD)
    assert user.password != PASSWORD


def test_emails_are_unique_regardless_of_case(api):
    assert register(api, email="Ann@Example.com").status_code == 201
    response = register(api, email="ann@EXAMPLE.com")
    assert response.status_code == 409
    assert response.json()["errors"]["email"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"email": "a@example.com", "password": "123"}, "password"),
        ({"email": "a@example.com", "password": "password"}, "password"),
        ({"email": "a@example.com"}, "password"),
        ({"email": "a@example.com", "password": PASSWORD, "role": "admin"}, "role"),
        ({"email": "a@example.com", "password": 12345678901}, "password"),
    ],
)
def test_registration_refuses_bad_input_with_field_errors(api, payload, field):
    response = api.post("/auth/register", payload, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not User.objects.exists()


def test_login_returns_an_access_and_a_refresh_token(api):
    user = UserFactory()
    response = login(api, user.email.upper())
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    me = api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert me.status_code == 200
    assert me.json()["email"] == user.email


def test_wrong_password_unknown_email_and_inactive_user_all_get_the_same_401(api):
    user = UserFactory()
    inactive = UserFactory(is_active=False)
    answers = [
        login(api, user.email, "wrong-password-1"),
        login(api, "nobody@example.com"),
        login(api, inactive.email),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({(a.json()["title"], a.json()["detail"]) for a in answers}) == 1


def test_refresh_rotates_and_the_used_token_cannot_be_replayed(api):
    user = UserFactory()
    first = login(api, user.email).json()
    rotated = api.post("/auth/refresh", {"refresh": first["refresh"]}, format="json")
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first["refresh"]
    replay = api.post("/auth/refresh", {"refresh": first["refresh"]}, format="json")
    assert replay.status_code == 401
    again = api.post("/auth/refresh", {"refresh": rotated.json()["refresh"]}, format="json")
    assert again.status_code == 200


def test_refresh_refuses_garbage_and_access_tokens(api):
    user = UserFactory()
    tokens = login(api, user.email).json()
    assert api.post("/auth/refresh", {"refresh": "garbage"}, format="json").status_code == 401
    assert api.post("/auth/refresh", {"refresh": tokens["access"]}, format="json").status_code == 401


def test_logout_revokes_the_refresh_token(api):
    user = UserFactory()
    tokens = login(api, user.email).json()
    client = client_for(user)
    assert client.post("/auth/logout", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    assert api.post("/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_logout_refuses_another_users_refresh_token(api):
    owner, stranger = UserFactory(), UserFactory()
    tokens = login(api, owner.email).json()
    response = client_for(stranger).post("/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 401
    assert api.post("/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 200


def test_me_requires_a_token(api):
    response = api.get("/auth/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_password_change_needs_the_current_password_and_revokes_tokens(api):
    user = UserFactory()
    tokens = login(api, user.email).json()
    client = client_for(user)
    wrong = client.post(
        "/auth/password",
        {"current_password": "nope-nope-1", "new_password": "another-Secret-42"},
        format="json",
    )
    assert wrong.status_code == 403
    changed = client.post(
        "/auth/password", {"current_password": PASSWORD, "new_password": "another-Secret-42"}, format="json"
    )
    assert changed.status_code == 204
    assert api.post("/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401
    assert api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 401
    assert login(api, user.email, "another-Secret-42").status_code == 200


def test_login_is_throttled_per_client(api, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min", "register": "3/min"})
    user = UserFactory()
    statuses = [login(api, user.email).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_repeated_failures_from_one_address_lock_it_out_of_the_email_with_retry_after(api, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = UserFactory()
    for _ in range(3):
        assert login(api, user.email, "wrong-password-1").status_code == 401
    locked = login(api, user.email)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
