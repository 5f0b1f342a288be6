"""The Django admin site, with the same login limits as POST /auth/login.

The admin is not reachable at the edge unless an operator turns it on (nginx: NGINX_ADMIN=on; Kubernetes:
the admin-at-edge component). Wherever it is reachable, a password sent to /admin/login/ counts against the
`login` throttle of the API (the same counter, per client address) and goes through the failed-login guard
(`finance.users.services.check_credentials`): twenty wrong passwords there lock that address out of the
admin and of /auth/login alike, and neither is a way around the other.
"""

from typing import Any

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse

from finance.core.errors import TooManyRequests, Unauthenticated
from finance.core.http.client_ip import client_ip
from finance.core.http.problems import problem_response, too_many_requests_headers
from finance.core.http.throttling import check_scope
from finance.users import services


class GuardedAuthenticationForm(AdminAuthenticationForm):
    """The admin's login form, checking the password through the guarded service instead of authenticate()."""

    def clean(self) -> dict[str, Any]:
        if self.request is None:
            raise TypeError("the admin's login form needs the request: the guard counts per client address")
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            try:
                user = services.check_credentials(email=email, password=password, ip=client_ip(self.request))
            except Unauthenticated:
                raise self.get_invalid_login_error() from None
            self.user_cache = user
            self.confirm_login_allowed(user)
        return self.cleaned_data


class FinanceAdminSite(AdminSite):
    login_form = GuardedAuthenticationForm

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            if request.method == "POST":
                check_scope(request, "login")
            return super().login(request, extra_context)
        except TooManyRequests as exc:
            return problem_response(429, exc.detail, headers=too_many_requests_headers(exc))
