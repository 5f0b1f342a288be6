"""Where export files live and how users get them: S3 presigned URLs, or app-signed links to local files.

S3 (STORAGES["exports"] is django-storages' S3Storage): the bucket is private and a download link is a
presigned GET that expires after EXPORT_URL_TTL seconds. Local default (FileSystemStorage under VAR_DIR):
the app signs the object key with django.core.signing and serves GET /exports/download/<token> while the
signature is intact and younger than EXPORT_URL_TTL.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

from botocore.exceptions import BotoCoreError, ClientError, ConnectionError, HTTPClientError
from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import FileSystemStorage, InvalidStorageError, Storage, storages
from django.urls import reverse
from django.utils import timezone

EXPORTS = "exports"
EXPORTS_PUBLIC = "exports-public"
_SALT = "finance.exports.download"
CONTENT_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class DownloadLink:
    url: str  # absolute for S3; a path on this app for local files (the caller adds the host)
    expires_at: datetime
    local: bool


def exports_storage() -> Storage:
    return storages[EXPORTS]


def is_local() -> bool:
    return isinstance(exports_storage(), FileSystemStorage)


def _signing_storage() -> Storage:
    try:
        return storages[EXPORTS_PUBLIC]
    except InvalidStorageError:
        return exports_storage()


def is_transient(error: BaseException) -> bool:
    """Errors a later attempt may not see: the store unreachable or overloaded, not a refusal."""
    # botocore's ConnectionError covers EndpointConnectionError and connect timeouts; HTTPClientError covers
    # read timeouts and connections closed mid-response.
    if isinstance(error, ConnectionError | HTTPClientError):
        return True
    if isinstance(error, ClientError):
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        code = error.response.get("Error", {}).get("Code", "")
        return status >= 500 or status == 429 or code in {"SlowDown", "RequestTimeout", "Throttling"}
    return False


def describe(error: BaseException) -> str:
    """A message for the export's `error` field: what happened, without endpoints or credentials."""
    if is_transient(error):
        return "The file store could not be reached; the export was retried and gave up. Try again later."
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "unknown")
        return f"The file store refused the upload ({code})."
    if isinstance(error, BotoCoreError | OSError):
        return "The file could not be written to the file store."
    return "The export failed unexpectedly."


def save(key: str, content: IO[bytes]) -> None:
    """Upload the whole file under `key`, replacing any earlier copy (a re-run writes the same key)."""
    content.seek(0)
    saved = exports_storage().save(key, File(content, name=key))
    if saved != key:  # a storage renaming the file would leave the row pointing at nothing
        raise RuntimeError(f"storage saved {key!r} as {saved!r}")


def delete(key: str) -> None:
    """Remove the object; a missing object is not an error."""
    exports_storage().delete(key)


def download_link(key: str, *, filename: str) -> DownloadLink:
    ttl = settings.EXPORT_URL_TTL
    expires_at = timezone.now() + timedelta(seconds=ttl)
    if is_local():
        token = signing.dumps({"key": key, "filename": filename}, salt=_SALT)
        return DownloadLink(reverse("export-download", args=[token]), expires_at, local=True)
    disposition = f'attachment; filename="{filename}"'
    signer: Any = _signing_storage()  # S3Storage: its url() signs with these options
    url = signer.url(
        key,
        parameters={"ResponseContentDisposition": disposition, "ResponseContentType": CONTENT_TYPE},
        expire=ttl,
    )
    return DownloadLink(url, expires_at, local=False)


def absolute(link: DownloadLink, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{link.url}" if link.local else link.url


def signed_key(token: str) -> tuple[str, str]:
    """(object key, filename) of a local download token. Raises signing.BadSignature (SignatureExpired
    included) for altered or expired tokens."""
    payload = signing.loads(token, salt=_SALT, max_age=settings.EXPORT_URL_TTL)
    return payload["key"], payload["filename"]


def open_file(key: str) -> IO[bytes]:
    """The stored file; FileNotFoundError when it is gone."""
    return exports_storage().open(key, "rb")


def read(key: str) -> bytes:
    """The whole object (files the app itself stored, bounded in size: bank statements)."""
    with open_file(key) as handle:
        return handle.read()
