import re

import pytest
import yaml
from django.urls import get_resolver

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_lists_every_api_route(api):
    response = api.get("/schema")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    documented = set(schema["paths"])
    plain = {"/metrics", "/schema", "/docs", "/redoc", "/health/live", "/health/ready"}
    routes = {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "{id}" if m[1] == "pk" else f"{{{m[1]}}}", str(p.pattern))
        for p in get_resolver().url_patterns
        if hasattr(p, "name") and p.name and not str(p.pattern).startswith("admin")
    }
    assert routes - plain <= documented
    assert "jwtAuth" in schema["components"]["securitySchemes"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "400" in operation["responses"], (path, method)


def test_the_docs_pages_load_without_a_cdn(api, settings):
    for path in ("/docs", "/redoc"):
        page = api.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
