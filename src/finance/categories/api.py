from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.categories import selectors, services
from finance.categories.models import Category
from finance.core.http.fields import StrictSerializer, Text, query_data
from finance.core.http.pagination import PagePagination, paginated_response
from finance.users.authentication import AuthenticatedRequest


class CategoryOut(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "type", "created_at"]
        read_only_fields = fields


class CategoryIn(StrictSerializer):
    name = Text(max_length=100)
    type = serializers.ChoiceField(choices=Category.Type.choices)


class CategoryQuery(serializers.Serializer):
    type = serializers.ChoiceField(choices=Category.Type.choices, required=False)


_CATEGORY = {"id": 31, "name": "Food", "type": "expense", "created_at": "2026-11-01T09:32:00.000000Z"}
_IN = OpenApiExample("category", value={"name": "Food", "type": "expense"}, request_only=True)


class CategoryListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema

    @extend_schema(
        parameters=[
            OpenApiParameter("type", enum=Category.Type.values, required=False, description="Only this type.")
        ],
        responses={200: CategoryOut(many=True)},
        tags=["categories"],
        summary="Your categories",
        description="Your categories, a page at a time; `type` keeps only income or only expense ones.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query = query_data(CategoryQuery, request)
        return paginated_response(request, selectors.categories_for(request.user, **query), CategoryOut)

    @extend_schema(
        request=CategoryIn,
        responses={201: CategoryOut},
        examples=[
            _IN,
            OpenApiExample("category", value=_CATEGORY, response_only=True, status_codes=[201]),
        ],
        tags=["categories"],
        summary="Add a category",
        description=(
            "Adds an income or expense category. A user's categories are unique by name and type (409 for "
            "a duplicate)."
        ),
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        data = CategoryIn(data=request.data)
        data.is_valid(raise_exception=True)
        category = services.create_category(user=request.user, **data.validated_data)
        return Response(CategoryOut(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailView(APIView):
    @extend_schema(
        responses={200: CategoryOut},
        examples=[OpenApiExample("category", value=_CATEGORY, response_only=True)],
        tags=["categories"],
        summary="One category",
        description="One of your categories; another user's category is a 404.",
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(CategoryOut(services.get_category(user=request.user, category_id=pk)).data)

    @extend_schema(
        request=CategoryIn,
        responses={200: CategoryOut},
        examples=[
            OpenApiExample("rename", value={"name": "Groceries", "type": "expense"}, request_only=True),
            OpenApiExample("category", value={**_CATEGORY, "name": "Groceries"}, response_only=True),
        ],
        tags=["categories"],
        summary="Replace",
        description=(
            "Sets both `name` and `type`. The type can change only while no transaction uses the "
            "category (409 otherwise)."
        ),
    )
    def put(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self._update(request, pk, partial=False)

    @extend_schema(
        request=CategoryIn(partial=True),
        responses={200: CategoryOut},
        examples=[
            OpenApiExample("rename", value={"name": "Groceries"}, request_only=True),
            OpenApiExample("category", value={**_CATEGORY, "name": "Groceries"}, response_only=True),
        ],
        tags=["categories"],
        summary="Rename or retype (type only while unused)",
        description=(
            "Changes the fields sent. The type can change only while no transaction uses the category "
            "(409 otherwise); a rename shows in reports at once."
        ),
    )
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        return self._update(request, pk, partial=True)

    def _update(self, request: AuthenticatedRequest, pk: int, *, partial: bool) -> Response:
        data = CategoryIn(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        category = services.update_category(user=request.user, category_id=pk, **data.validated_data)
        return Response(CategoryOut(category).data)

    @extend_schema(
        responses={204: None},
        tags=["categories"],
        summary="Delete an unused category (409 while transactions use it)",
        description="Deletes a category that no transaction uses; otherwise 409 says how many do.",
    )
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        services.delete_category(user=request.user, category_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
