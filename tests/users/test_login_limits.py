"""The limits on logging in: the throttle and the failed-login guard, keyed by one client address rule,
shared by /auth/login and the admin's login, never a way to lock an owner out.

Requests name their peer with REMOTE_ADDR; 127.0.0.1 is a trusted proxy (TRUSTED_PROXIES' default), whose
X-Forwarded-For names the client. 203.0.113.0/24 and 198.51.100.0/24 are clients out on the internet.
"""

import re

import pytest
import yaml
from django.test import Client
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROXY = "127.0.0.1"
WRONG = "wrong-Passw0rd-1"


def login(api, email, password=PASSWORD, *, peer=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return api.post("/auth/login", {"email": email, "password": password}, format="json", **extra)


@pytest.fixture
def login_rate(monkeypatch):
    """The login throttle at 10 a minute (its default), whatever the test settings say."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "10/min", "register": "5/min"})


# --- one client address rule for the throttle -----------------------------------------------------------


def test_clients_behind_the_proxy_are_throttled_one_by_one(api, login_rate):
    """Ten clients' failed logins through nginx do not block an eleventh client (one bucket before)."""
    user = UserFactory()
    for n in range(10):
        assert login(api, f"someone{n}@example.com", WRONG, forwarded=f"198.51.100.{n}").status_code == 401
    assert login(api, user.email, forwarded="198.51.100.99").status_code == 200


def test_rotating_forged_entries_behind_the_proxy_does_not_escape_the_throttle(api, login_rate, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_FAILURE_ADDRESS_LIMIT = 1000  # the throttle alone
    statuses = [
        login(api, "victim@example.com", WRONG, forwarded=f"10.9.{n}.1, 203.0.113.7").status_code
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]
    # Another client behind the same proxy still gets its attempt.
    assert login(api, "victim@example.com", WRONG, forwarded="203.0.113.8").status_code == 401


def test_a_client_that_is_no_proxy_cannot_pick_its_address_with_the_header(api, login_rate, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_FAILURE_ADDRESS_LIMIT = 1000
    statuses = [
        login(api, "victim@example.com", WRONG, peer="203.0.113.9", forwarded=f"198.51.100.{n}").status_code
        for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_a_throttled_answer_carries_retry_after_and_the_ratelimit_fields(api, login_rate):
    for _ in range(10):
        login(api, "nobody@example.com", WRONG, peer="203.0.113.20")
    refused = login(api, "nobody@example.com", WRONG, peer="203.0.113.20")
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["RateLimit-Policy"] == '"login";q=10;w=60'
    match = re.fullmatch(r'"login";r=0;t=(\d+)', refused["RateLimit"])
    assert match
    assert int(match.group(1)) == int(refused["Retry-After"])


# --- the failed-login guard ------------------------------------------------------------------------------


def test_wrong_passwords_from_anywhere_never_lock_the_owner_out(api, settings):
    """Five wrong passwords for an email, then its owner from another address: logged in (429 before)."""
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert login(api, user.email, WRONG, peer="203.0.113.50").status_code == 401
    assert login(api, user.email, peer="198.51.100.60").status_code == 200


def test_an_address_that_keeps_failing_for_an_email_is_refused_with_retry_after(api, settings):
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert login(api, user.email, WRONG, peer="203.0.113.51").status_code == 401
    refused = login(api, user.email, peer="203.0.113.51")  # even the right password
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW
    # Five failures put the email under attack too: the policy now in force allows one per address.
    assert refused["RateLimit-Policy"] == f'"login-failures";q=1;w={settings.LOGIN_FAILURE_WINDOW}'


def test_while_an_email_is_under_attack_each_address_gets_one_failure_for_it(api, settings):
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        login(api, user.email, WRONG, peer="203.0.113.52")
    # A second attacker's address: one guess, then refused for this email...
    assert login(api, user.email, WRONG, peer="203.0.113.53").status_code == 401
    refused = login(api, user.email, WRONG, peer="203.0.113.53")
    assert refused.status_code == 429
    assert refused["RateLimit-Policy"].startswith('"login-failures";q=1;')
    # ...but not for its other emails, and a clean address still gets the owner in.
    other = UserFactory()
    assert login(api, other.email, peer="203.0.113.53").status_code == 200
    assert login(api, user.email, peer="198.51.100.61").status_code == 200


def test_one_address_spraying_many_emails_is_refused_for_all_of_them(api, settings):
    settings.LOGIN_FAILURE_ADDRESS_LIMIT = 8
    user = UserFactory()
    for n in range(8):
        assert login(api, f"sprayed{n}@example.com", WRONG, peer="203.0.113.54").status_code == 401
    refused = login(api, user.email, peer="203.0.113.54")
    assert refused.status_code == 429
    assert refused["RateLimit-Policy"].startswith('"login-failures-per-address";q=8;')
    assert login(api, user.email, peer="198.51.100.62").status_code == 200


def test_the_guard_takes_the_client_from_the_proxy_like_the_throttle(api, settings):
    """Behind nginx every request comes from 127.0.0.1: the guard counts the client nginx names."""
    user = UserFactory()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        assert login(api, user.email, WRONG, forwarded="203.0.113.55").status_code == 401
    assert login(api, user.email, forwarded="203.0.113.55").status_code == 429
    assert login(api, user.email, forwarded="198.51.100.63").status_code == 200


# --- the admin's login -----------------------------------------------------------------------------------


def admin_login(email, password=PASSWORD, *, peer="203.0.113.70"):
    return Client(REMOTE_ADDR=peer).post("/admin/login/", {"username": email, "password": password})


def test_the_admin_login_goes_through_the_failed_login_guard(settings):
    """Twenty wrong passwords at /admin/login/, then the right one: refused (a session before)."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    answers = [admin_login(staff.email, WRONG).status_code for _ in range(20)]
    assert answers[: settings.LOGIN_FAILURE_LIMIT] == [200] * settings.LOGIN_FAILURE_LIMIT  # the form again
    assert set(answers[settings.LOGIN_FAILURE_LIMIT :]) == {429}
    refused = admin_login(staff.email)
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) > 0
    assert "sessionid" not in refused.cookies


def test_the_admin_and_the_api_count_the_same_failures(api, settings):
    staff = UserFactory(is_staff=True)
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        admin_login(staff.email, WRONG, peer="203.0.113.71")
    assert login(api, staff.email, peer="203.0.113.71").status_code == 429


def test_the_admin_login_shares_the_login_throttle(api, login_rate, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_FAILURE_ADDRESS_LIMIT = 1000
    staff = UserFactory(is_staff=True)
    for n in range(10):
        login(api, f"x{n}@example.com", WRONG, peer="203.0.113.72")
    refused = admin_login(staff.email, peer="203.0.113.72")
    assert refused.status_code == 429
    assert refused["RateLimit-Policy"] == '"login";q=10;w=60'


def test_the_admin_still_logs_staff_in(settings):
    staff = UserFactory(is_staff=True)
    answer = admin_login(staff.email, peer="203.0.113.73")
    assert answer.status_code == 302
    assert "sessionid" in answer.cookies
    assert admin_login(UserFactory().email, peer="203.0.113.74").status_code == 200  # not staff: the form


def test_the_openapi_document_describes_the_ratelimit_fields_of_a_429(api):
    schema = yaml.safe_load(api.get("/schema").content)
    headers = schema["paths"]["/auth/login"]["post"]["responses"]["429"]["headers"]
    assert {"Retry-After", "RateLimit-Policy", "RateLimit"} <= set(headers)
    components = schema["components"]["headers"]
    assert components["RateLimitPolicy"]["schema"]["example"] == '"login";q=10;w=60'
