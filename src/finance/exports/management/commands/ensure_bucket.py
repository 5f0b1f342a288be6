"""Create the exports bucket when it does not exist (the compose stack's storage-init step runs this)."""

import time
from typing import Any

from botocore.exceptions import ClientError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from finance.exports import storage


class Command(BaseCommand):
    help = "Create the S3 bucket for exports if it is missing. Does nothing when exports use local files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--wait",
            type=int,
            default=0,
            help="Seconds to keep retrying while the store is unreachable (it may still be starting).",
        )

    def handle(self, *args: Any, wait: int, **options: Any) -> None:
        backend: Any = storage.exports_storage()  # an S3Storage, or a FileSystemStorage
        if storage.is_local():
            self.stdout.write(f"Exports are kept on local disk ({backend.location}); no bucket needed.")
            return
        deadline = time.monotonic() + wait
        while True:
            try:
                created = self._ensure(backend)
                break
            except ClientError as exc:
                if time.monotonic() >= deadline or not storage.is_transient(exc):
                    code = exc.response.get("Error", {}).get("Code", "unknown")
                    raise CommandError(f"Cannot use bucket {backend.bucket_name}: {code}") from None
            except Exception as exc:
                if time.monotonic() >= deadline or not storage.is_transient(exc):
                    raise CommandError(f"The file store is unreachable: {type(exc).__name__}") from None
            time.sleep(1)
        verb = "Created" if created else "Bucket exists:"
        self.stdout.write(f"{verb} {backend.bucket_name}")

    @staticmethod
    def _ensure(backend: Any) -> bool:
        client = backend.connection.meta.client
        try:
            client.head_bucket(Bucket=backend.bucket_name)
            return False
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in {"404", "NoSuchBucket", "NotFound"}:
                raise
        params: dict[str, Any] = {"Bucket": backend.bucket_name}
        # us-east-1 is the default location and must not be named (S3 refuses it).
        if backend.region_name and backend.region_name != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": backend.region_name}
        try:
            client.create_bucket(**params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":  # lost a race: fine
                raise
            return False
        return True
