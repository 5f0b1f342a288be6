from django.contrib import admin
from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from finance.accounts import api as accounts
from finance.categories import api as categories
from finance.core.http.converters import ObjectIdConverter
from finance.core.observability import health, metrics
from finance.exports import api as exports_api
from finance.imports import api as imports
from finance.reports import api as reports
from finance.transactions import api as transactions
from finance.transfers import api as transfers
from finance.users import api as users

register_converter(ObjectIdConverter, "id")

# Every route is named: the name is the `view` label of the HTTP metrics and the route in dashboards.
urlpatterns = [
    path("auth/register", users.RegisterView.as_view(), name="auth-register"),
    path("auth/login", users.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", users.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", users.LogoutView.as_view(), name="auth-logout"),
    path("auth/me", users.MeView.as_view(), name="auth-me"),
    path("auth/password", users.PasswordView.as_view(), name="auth-password"),
    path("users", users.UserListView.as_view(), name="user-list"),
    path("users/<id:pk>", users.UserDetailView.as_view(), name="user-detail"),
    path("accounts", accounts.AccountListView.as_view(), name="account-list"),
    path("accounts/<id:pk>", accounts.AccountDetailView.as_view(), name="account-detail"),
    path("categories", categories.CategoryListView.as_view(), name="category-list"),
    path("categories/<id:pk>", categories.CategoryDetailView.as_view(), name="category-detail"),
    path("transactions", transactions.TransactionListView.as_view(), name="transaction-list"),
    path("transactions/<id:pk>", transactions.TransactionDetailView.as_view(), name="transaction-detail"),
    path("transfers", transfers.TransferListView.as_view(), name="transfer-list"),
    path("transfers/<id:pk>", transfers.TransferDetailView.as_view(), name="transfer-detail"),
    path("transfers/<id:pk>/unlink", transfers.UnlinkView.as_view(), name="transfer-unlink"),
    path("transfers/suggestions", transfers.SuggestionListView.as_view(), name="transfer-suggestions"),
    path("transfers/suggestions/reject", transfers.RejectView.as_view(), name="transfer-reject"),
    path("transfers/match", transfers.MatchView.as_view(), name="transfer-match"),
    path("accounts/<id:pk>/balances", reports.AccountBalancesView.as_view(), name="account-balances"),
    path("reports/summary", reports.SummaryView.as_view(), name="report-summary"),
    path("reports/by-category", reports.ByCategoryView.as_view(), name="report-by-category"),
    path("reports/trends", reports.TrendsView.as_view(), name="report-trends"),
    path("reports/net-worth", reports.NetWorthView.as_view(), name="report-net-worth"),
    path("exports", exports_api.ExportListView.as_view(), name="export-list"),
    path("exports/<id:pk>", exports_api.ExportDetailView.as_view(), name="export-detail"),
    path("exports/download/<str:token>", exports_api.ExportDownloadView.as_view(), name="export-download"),
    path("imports", imports.ImportListView.as_view(), name="import-list"),
    path("imports/<id:pk>", imports.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<id:pk>/mapping", imports.MappingView.as_view(), name="import-mapping"),
    path("imports/<id:pk>/rows", imports.RowListView.as_view(), name="import-rows"),
    path("imports/<id:pk>/rows/<id:row>", imports.RowDetailView.as_view(), name="import-row"),
    path("imports/<id:pk>/commit", imports.CommitView.as_view(), name="import-commit"),
    path("imports/<id:pk>/revert", imports.RevertView.as_view(), name="import-revert"),
    path("health/live", health.live, name="health-live"),
    path("health/ready", health.ready, name="health-ready"),
    path("metrics", metrics.export, name="metrics"),
    path("schema", SpectacularAPIView.as_view(), name="schema"),
    path("docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path(
        "redoc",
        SpectacularRedocView.as_view(url_name="schema", template_name="finance/redoc.html"),
        name="redoc",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "finance.core.http.problems.bad_request_view"
handler403 = "finance.core.http.problems.permission_denied_view"
handler404 = "finance.core.http.problems.not_found_view"
handler500 = "finance.core.http.problems.server_error_view"
