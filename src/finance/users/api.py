from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.core.db.shortcuts import get_owned_or_404
from finance.core.http.client_ip import client_ip
from finance.core.http.fields import StrictSerializer, Text
from finance.core.http.pagination import PagePagination, paginated_response
from finance.core.http.throttling import ScopedThrottle
from finance.users import selectors, services
from finance.users.authentication import AuthenticatedRequest
from finance.users.models import User


class UserOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "role", "is_active", "created_at"]
        read_only_fields = fields


class Credentials(StrictSerializer):
    email = serializers.EmailField(max_length=254)
    password = Text(max_length=128, trim_whitespace=False)


class TokenPairOut(serializers.Serializer):
    access = serializers.CharField(help_text="Access token (JWT), valid for a few minutes.")
    refresh = serializers.CharField(help_text="Refresh token (JWT); each use rotates it.")


class RefreshIn(StrictSerializer):
    refresh = Text(max_length=2048)


class PasswordChangeIn(StrictSerializer):
    current_password = Text(max_length=128, trim_whitespace=False)
    new_password = Text(max_length=128, trim_whitespace=False)


class UserPatchIn(StrictSerializer):
    is_active = serializers.BooleanField(required=False)
    role = serializers.ChoiceField(choices=User.Role.choices, required=False)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            for name in ("is_active",):
                if name in data and not isinstance(data[name], bool):
                    raise serializers.ValidationError({name: ["Must be true or false."]})
        return super().to_internal_value(data)


class IsAdminRole(permissions.BasePermission):
    message = "Only administrators can do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_admin)


_CREDENTIALS_EXAMPLE = OpenApiExample(
    "credentials",
    value={"email": "ann@example.com", "password": "correct-horse-battery-9"},
    request_only=True,
)
_USER_EXAMPLE = {
    "id": 7,
    "email": "ann@example.com",
    "role": "user",
    "is_active": True,
    "created_at": "2026-11-01T09:30:00.000000Z",
}
_PAIR_EXAMPLE = OpenApiExample(
    "tokens",
    value={
        "access": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJl",
        "refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl",
    },
    response_only=True,
)
_REFRESH_EXAMPLE = OpenApiExample(
    "refresh token",
    value={"refresh": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9.c2lnbmF0dXJl"},
    request_only=True,
)


class RegisterView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "register"

    @extend_schema(
        request=Credentials,
        responses={201: UserOut},
        examples=[
            _CREDENTIALS_EXAMPLE,
            OpenApiExample("user", value=_USER_EXAMPLE, response_only=True, status_codes=[201]),
        ],
        tags=["auth"],
        summary="Create a user",
        description=(
            "Creates a user with the role `user`; no token needed. Emails are unique regardless of case, "
            "and the password must pass the password validators (at least 8 characters, not a common "
            "password, not only digits, not too close to the email). A welcome email follows."
        ),
    )
    def post(self, request: Request) -> Response:
        data = Credentials(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.register_user(**data.validated_data)
        return Response(UserOut(user).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=Credentials,
        responses={200: TokenPairOut},
        examples=[_CREDENTIALS_EXAMPLE, _PAIR_EXAMPLE],
        tags=["auth"],
        summary="Get an access and a refresh token",
        description=(
            "Exchanges an email and a password for an access token (a few minutes) and a refresh token "
            "(a day); no token needed. A wrong password, an unknown email and a deactivated user get the "
            "same 401; repeated failures answer 429 with `Retry-After`."
        ),
    )
    def post(self, request: Request) -> Response:
        data = Credentials(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.login(**data.validated_data, ip=client_ip(request))
        return Response(TokenPairOut(pair).data)


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=RefreshIn,
        responses={200: TokenPairOut},
        examples=[_REFRESH_EXAMPLE, _PAIR_EXAMPLE],
        tags=["auth"],
        summary="Trade a refresh token for a new pair (the old one stops working)",
        description=(
            "Exchanges a refresh token for a new access and refresh token; no access token needed. The "
            "refresh token sent works once: keep the new one, since a replay answers 401."
        ),
    )
    def post(self, request: Request) -> Response:
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.rotate_refresh(refresh=data.validated_data["refresh"])
        return Response(TokenPairOut(pair).data)


class LogoutView(APIView):
    @extend_schema(
        request=RefreshIn,
        responses={204: None},
        examples=[_REFRESH_EXAMPLE],
        tags=["auth"],
        summary="Revoke a refresh token",
        description=(
            "Revokes the given refresh token, which must be one of yours. Access tokens already issued "
            "keep working until they expire (a few minutes at most)."
        ),
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.logout(user=request.user, refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(
        responses={200: UserOut},
        examples=[OpenApiExample("user", value=_USER_EXAMPLE, response_only=True)],
        tags=["auth"],
        summary="The current user",
        description="The user the access token belongs to.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(UserOut(request.user).data)


class PasswordView(APIView):
    throttle_classes = [ScopedThrottle]
    throttle_scope = "password"

    @extend_schema(
        request=PasswordChangeIn,
        responses={204: None},
        tags=["auth"],
        summary="Change the password (revokes every refresh token of the user)",
        description=(
            "Changes the password. Every refresh token of the user is revoked and every access token "
            "issued before stops working at once: log in again with the new password. A wrong current "
            "password answers 403."
        ),
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = PasswordChangeIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.change_password(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema
    permission_classes = [IsAdminRole]

    @extend_schema(
        responses={200: UserOut(many=True)},
        tags=["users"],
        summary="All users (admins only)",
        description="Every user, oldest first, a page at a time. Admins only: anyone else gets 403.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        return paginated_response(request, selectors.users_list(), UserOut)


class UserDetailView(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        responses={200: UserOut},
        tags=["users"],
        summary="One user (admins only)",
        description="One user by id. Admins only: anyone else gets 403.",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(UserOut(get_owned_or_404(selectors.users_list(), pk, noun="user")).data)

    @extend_schema(
        request=UserPatchIn,
        responses={200: UserOut},
        examples=[OpenApiExample("deactivate", value={"is_active": False}, request_only=True)],
        tags=["users"],
        summary="Activate, deactivate or change the role of a user (admins only)",
        description=(
            "Sets `is_active` or `role`. A deactivated user's tokens stop working at once. Admins cannot "
            "deactivate themselves or change their own role (409). Admins only: anyone else gets 403."
        ),
    )
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        data = UserPatchIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.update_user(actor=request.user, user_id=pk, **data.validated_data)
        return Response(UserOut(user).data)
