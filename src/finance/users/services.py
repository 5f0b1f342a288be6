"""Registration, login, token rotation and revocation, password change, and admin changes to users."""

from dataclasses import dataclass

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from finance.core.db.shortcuts import get_owned_or_404, set_changed_fields
from finance.core.errors import Conflict, Forbidden, Unauthenticated, ValidationFailed
from finance.core.observability import metrics
from finance.core.observability.events import emit
from finance.core.tasks import enqueue_on_commit
from finance.users import login_guard
from finance.users.models import User
from finance.users.tasks import send_welcome_email


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationFailed({"password": list(exc.messages)}) from None


@transaction.atomic
def register_user(*, email: str, password: str) -> User:
    email = email.strip().lower()
    candidate = User(email=email)
    _validate_password(password, candidate)
    if User.objects.filter(email=email).exists():
        raise Conflict("A user with this email already exists.", errors={"email": ["Already registered."]})
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
    except IntegrityError:
        raise Conflict(
            "A user with this email already exists.", errors={"email": ["Already registered."]}
        ) from None
    emit("user.registered", user_id=user.pk, metric=metrics.REGISTRATIONS.inc)
    enqueue_on_commit(send_welcome_email, user.pk)
    return user


def _issue(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def check_credentials(*, email: str, password: str, ip: str) -> User:
    """The user behind an email and password, under the failed-login guard (`ip` is the client's address).
    The one way in by password: the API's login and the admin site's both come here."""
    login_guard.check_allowed(email=email, ip=ip)
    user = authenticate(username=email, password=password)
    if user is None:
        login_guard.record_failure(email=email, ip=ip)
        emit("user.login_failed", level="warning", metric=metrics.LOGINS.labels(result="failed").inc)
        # Same answer for an unknown email, a wrong password and an inactive account.
        raise Unauthenticated("Email or password is incorrect.")
    login_guard.clear(email=email, ip=ip)
    emit("user.login_succeeded", user_id=user.pk, metric=metrics.LOGINS.labels(result="succeeded").inc)
    return user


def login(*, email: str, password: str, ip: str) -> TokenPair:
    return _issue(check_credentials(email=email, password=password, ip=ip))


REFRESH_REFUSED = "The refresh token is not valid, or was already used or revoked; log in again."


def _parse_refresh(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)  # type: ignore[arg-type]  # simplejwt declares Token; it parses text
    except ExpiredTokenError:
        raise Unauthenticated("The refresh token has expired; log in again.") from None
    except TokenError:  # forged, malformed, or blacklisted (used or revoked) - simplejwt does not say which
        raise Unauthenticated(REFRESH_REFUSED) from None


def _claim(token: RefreshToken) -> None:
    """Blacklist the token, succeeding only for the first caller: the unique row is the atomic claim."""
    outstanding = OutstandingToken.objects.filter(jti=token[jwt_settings.JTI_CLAIM]).first()
    if outstanding is None:
        raise Unauthenticated(REFRESH_REFUSED)
    try:
        with transaction.atomic():
            _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    except IntegrityError:
        created = False
    if not created:
        raise Unauthenticated("The refresh token has already been used or revoked.")


def _token_user(token: RefreshToken) -> User:
    user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
    if user is None or token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        raise Unauthenticated(
            "The refresh token was revoked: the password changed or the user was deactivated."
        )
    return user


def rotate_refresh(*, refresh: str) -> TokenPair:
    token = _parse_refresh(refresh)
    user = _token_user(token)
    _claim(token)
    return _issue(user)


def logout(*, user: User, refresh: str) -> None:
    token = _parse_refresh(refresh)
    # simplejwt writes the user id claim as a string.
    if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise Unauthenticated("The refresh token does not belong to this user.")
    _claim(token)
    emit("user.logged_out", user_id=user.pk)


def revoke_refresh_tokens(user: User) -> int:
    """Blacklist every refresh token the user holds; returns how many were still live."""
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    rows = [BlacklistedToken(token=token) for token in live]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def change_password(*, user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise Forbidden("The current password is incorrect.")
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_refresh_tokens(user)
    emit("user.password_changed", user_id=user.pk)


@transaction.atomic
def update_user(*, actor: User, user_id: int, is_active: bool | None = None, role: str | None = None) -> User:
    user = get_owned_or_404(User.objects.select_for_update(), user_id, noun="user")
    if user.pk == actor.pk and (is_active is False or (role is not None and role != user.role)):
        raise Conflict("You cannot deactivate yourself or change your own role.")
    changed = set_changed_fields(user, {"is_active": is_active, "role": role})
    if changed:
        user.save(update_fields=changed)
        if not user.is_active:
            revoke_refresh_tokens(user)
        emit("user.updated", user_id=user.pk, by=actor.pk, fields=changed)
    return user
