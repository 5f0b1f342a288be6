"""The signing keys production runs with: long, random, and none of the values this repository ships.

SECRET_KEY signs sessions, CSRF tokens and the download links of locally stored exports; JWT_SIGNING_KEY
(SECRET_KEY when unset) signs access and refresh tokens. Anyone who knows one can forge what it signs, so a
production process refuses to start with a placeholder, the development key or a short key. Rotating them:
docs/security.md, "Keys".
"""

from django.core.exceptions import ImproperlyConfigured

# What the app signs with when nothing is configured (development only: production refuses it).
DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-use-in-production-0123456789"
# Django's own deployment check (security.W009) asks for the same length.
MIN_LENGTH = 50
MIN_DISTINCT_CHARACTERS = 5
# Fragments of the values people copy without replacing: the examples of .env.example and the k8s
# secrets.env.example files ("change-me"), Django's generated development keys ("django-insecure-..."),
# and the usual stand-ins.
PLACEHOLDER_FRAGMENTS = (
    "change-me",
    "changeme",
    "change_me",
    "replace-me",
    "replaceme",
    "replace_me",
    "insecure",
    "placeholder",
    "example",
    "your-secret",
    "secret-key",
)


def key_problem(value: str) -> str | None:
    """Why `value` must not sign anything in production, or None when it will do."""
    if value == DEVELOPMENT_SECRET_KEY:
        return "is the development key"
    lowered = value.lower()
    if any(fragment in lowered for fragment in PLACEHOLDER_FRAGMENTS):
        return "looks like a placeholder (an example value, not a secret)"
    if len(value) < MIN_LENGTH:
        return f"is shorter than {MIN_LENGTH} characters"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def check_production_keys(keys: dict[str, str]) -> None:
    """Refuse to start when any key is unfit. The message names the variables, never their values."""
    problems = [f"{name} {problem}" for name, value in keys.items() if (problem := key_problem(value))]
    if problems:
        raise ImproperlyConfigured(
            "production refuses unsafe signing keys: "
            + "; ".join(problems)
            + '. Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
