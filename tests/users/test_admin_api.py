import pytest

from finance.users.models import User
from tests.conftest import client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(role=User.Role.ADMIN)


def test_only_admins_list_users(client, admin):
    assert client.get("/users").status_code == 403
    response = client_for(admin).get("/users")
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_admin_deactivation_stops_the_users_tokens_at_once(api, admin):
    target = UserFactory()
    tokens = api.post("/auth/login", {"email": target.email, "password": PASSWORD}, format="json").json()
    response = client_for(admin).patch(f"/users/{target.pk}", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert api.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 401
    assert api.post("/auth/refresh", {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_admin_changes_a_role_but_not_their_own(admin):
    target = UserFactory()
    client = client_for(admin)
    assert client.patch(f"/users/{target.pk}", {"role": "admin"}, format="json").json()["role"] == "admin"
    assert client.patch(f"/users/{admin.pk}", {"role": "user"}, format="json").status_code == 409
    assert client.patch(f"/users/{admin.pk}", {"is_active": False}, format="json").status_code == 409


def test_admin_user_detail_and_unknown_ids(admin):
    client = client_for(admin)
    assert client.get(f"/users/{admin.pk}").json()["email"] == admin.email
    assert client.get("/users/999999").status_code == 404
    assert client.patch("/users/999999", {"is_active": True}, format="json").status_code == 404


@pytest.mark.parametrize("payload", [{"is_active": "no"}, {"role": "root"}, {"email": "x@example.com"}])
def test_admin_patch_refuses_bad_fields(admin, payload):
    target = UserFactory()
    assert client_for(admin).patch(f"/users/{target.pk}", payload, format="json").status_code == 400
