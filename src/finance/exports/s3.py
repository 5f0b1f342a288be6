"""The S3 storage settings for exports, shared by settings.py and the tests.

Two storages over one bucket: `exports` is what the app and the worker talk to (S3_ENDPOINT_URL, e.g.
http://minio:9000 inside compose); `exports-public` only signs download links, for the endpoint users
reach (S3_PUBLIC_ENDPOINT_URL, e.g. http://127.0.0.1:9000). Presigning is local computation: the public
endpoint is never contacted by the app. With AWS S3 both are the regional endpoint and no URL is needed.
"""

from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured

S3_BACKEND = "storages.backends.s3.S3Storage"


def s3_storages(
    *,
    bucket: str,
    endpoint_url: str = "",
    public_endpoint_url: str = "",
    region: str = "us-east-1",
    access_key: str = "",
    secret_key: str = "",
    addressing_style: str = "",
    max_attempts: int = 3,
) -> dict[str, dict]:
    # A custom endpoint (MinIO, Ceph, ...) is addressed by path: http://host:9000/<bucket>/<key>.
    style = addressing_style or ("path" if endpoint_url else "virtual")
    if style not in {"path", "virtual", "auto"}:
        raise ImproperlyConfigured(f"S3_ADDRESSING_STYLE must be path, virtual or auto, got {style!r}")

    def options(endpoint: str) -> dict:
        return {
            "bucket_name": bucket,
            "endpoint_url": endpoint or None,
            "region_name": region,
            # Empty keys fall back to boto3's chain: AWS_* variables, instance or pod roles.
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            # Private objects: no ACL is sent, so the bucket's (private) policy applies; links are signed.
            "default_acl": None,
            "querystring_auth": True,
            # A re-run of an export overwrites its own key instead of inventing a new name.
            "file_overwrite": True,
            "client_config": Config(
                signature_version="s3v4",
                s3={"addressing_style": style},
                retries={"max_attempts": max_attempts, "mode": "standard"},
                connect_timeout=5,
                read_timeout=60,
            ),
        }

    return {
        "exports": {"BACKEND": S3_BACKEND, "OPTIONS": options(endpoint_url)},
        "exports-public": {"BACKEND": S3_BACKEND, "OPTIONS": options(public_endpoint_url or endpoint_url)},
    }
