"""JWT authentication with simplejwt's guarantees and less work per request.

- A token's signature and claims are verified once per process: the verified token is remembered, keyed
  by the raw token, until it expires (its expiry is checked again on every use). An access token's
  validity depends only on its bytes, the signing key and the clock, so nothing is lost.
- The user row is still read on every request, so a deactivated user or a changed password (the token's
  revocation claim) is refused at once - but with one precompiled query instead of a freshly built one.
- Refusals are in the API's own words (below), and an expired token says so: a client can tell "refresh
  and retry" from "log in again".
"""

import threading
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.request import Request
from rest_framework_simplejwt import authentication, tokens
from rest_framework_simplejwt.exceptions import AuthenticationFailed, ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from finance.users.models import User
from finance.users.selectors import user_for_token

MAX_REMEMBERED_TOKENS = 4096

# The 401 details of token authentication (the codes are simplejwt's, the words are ours).
BAD_HEADER = "The Authorization header must be 'Bearer' followed by one access token."
TOKEN_EXPIRED = "The access token has expired; get a new pair from POST /auth/refresh."
TOKEN_INVALID = "The access token is not valid; log in again (POST /auth/login)."
USER_GONE = "The user of this token no longer exists or was deactivated."
PASSWORD_CHANGED = "The password was changed after this token was issued; log in again."


class VerifiedTokens:
    """Verified tokens by raw token, bounded (oldest forgotten first) and safe across threads."""

    def __init__(self, size: int = MAX_REMEMBERED_TOKENS):
        self.size = size
        self._tokens: dict[bytes, tokens.Token] = {}
        self._lock = threading.Lock()

    def get(self, raw: bytes) -> tokens.Token | None:
        token = self._tokens.get(raw)
        if token is None:
            return None
        try:
            # The same clock simplejwt uses, so an expired token fails here exactly as on first use.
            token.check_exp(current_time=tokens.aware_utcnow())
        except TokenError:
            self.forget(raw)
            return None
        return token

    def remember(self, raw: bytes, token: tokens.Token) -> None:
        with self._lock:
            self._tokens[raw] = token
            while len(self._tokens) > self.size:
                self._tokens.pop(next(iter(self._tokens)), None)

    def forget(self, raw: bytes) -> None:
        with self._lock:
            self._tokens.pop(raw, None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


verified_tokens = VerifiedTokens()


@receiver(setting_changed)
def _forget_tokens_when_keys_change(*, setting: str, **_kwargs: Any) -> None:
    if setting in {"SIMPLE_JWT", "SECRET_KEY"}:
        verified_tokens.clear()


class JWTAuthentication(authentication.JWTAuthentication):
    def get_raw_token(self, header: bytes) -> bytes | None:
        parts = header.split()
        if not parts or parts[0] not in authentication.AUTH_HEADER_TYPE_BYTES:
            return None  # not a bearer token: the request is unauthenticated (NotAuthenticated if required)
        if len(parts) != 2:
            raise AuthenticationFailed(BAD_HEADER, code="bad_authorization_header")
        return parts[1]

    def get_validated_token(self, raw_token: bytes) -> tokens.Token:
        token = verified_tokens.get(raw_token)
        if token is None:
            token = self._validate(raw_token)
            verified_tokens.remember(raw_token, token)
        return token

    @staticmethod
    def _validate(raw_token: bytes) -> tokens.Token:
        """simplejwt's validation over its token classes; an expired (but genuine) token is told apart."""
        expired = False
        for token_class in api_settings.AUTH_TOKEN_CLASSES:
            try:
                token: tokens.Token = token_class(raw_token)
                return token
            except ExpiredTokenError:
                expired = True
            except TokenError:
                pass
        if expired:
            raise AuthenticationFailed(TOKEN_EXPIRED, code="token_expired")
        raise AuthenticationFailed(TOKEN_INVALID, code="token_not_valid")

    def get_user(self, validated_token: tokens.Token) -> User:  # type: ignore[override]  # a User, not any user type
        """simplejwt's checks, in its order, over the precompiled user read."""
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise AuthenticationFailed(TOKEN_INVALID, code="token_not_valid") from exc
        user = user_for_token(user_id)
        if user is None:
            raise AuthenticationFailed(USER_GONE, code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(USER_GONE, code="user_inactive")
        if api_settings.CHECK_REVOKE_TOKEN and validated_token.get(
            api_settings.REVOKE_TOKEN_CLAIM
        ) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(PASSWORD_CHANGED, code="password_changed")
        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme (drf-spectacular matches the exact class, not subclasses)."""

    target_class = "finance.users.authentication.JWTAuthentication"


class AuthenticatedRequest(Request):
    """The request of a view that requires authentication (the default): its user is a User."""

    user: User
