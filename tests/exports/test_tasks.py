"""The build task is safe to run twice: done exports are not rebuilt, a re-run overwrites its own key."""

import datetime
import io

from django.core.files import File

from finance.exports import storage, tasks
from finance.exports.models import Export
from finance.exports.storage import exports_storage
from tests.exports.support import request_export, transactions_csv
from tests.factories import make_transaction


def read(key: str) -> bytes:
    with exports_storage().open(key, "rb") as file:
        return file.read()


def test_a_done_export_is_not_rebuilt(client, ledger, django_capture_on_commit_callbacks):
    export_id = request_export(client, django_capture_on_commit_callbacks, report="transactions").json()["id"]
    before = Export.objects.get(pk=export_id)
    make_transaction(ledger.account, ledger.food, "99.00", datetime.date(2026, 1, 25))

    tasks.build_export.delay(export_id)

    after = Export.objects.get(pk=export_id)
    assert (after.status, after.row_count, after.finished_at) == ("done", 3, before.finished_at)
    assert read(after.object_key) == transactions_csv(ledger)


def test_a_redelivered_task_overwrites_the_same_key(client, user, ledger, django_capture_on_commit_callbacks):
    """A worker died mid-export: the row says running and a stale file sits under the key."""
    client.post(
        "/exports", {"report": "transactions", "from": "2026-01-01", "to": "2026-01-31"}, format="json"
    )
    export = Export.objects.get()
    Export.objects.filter(pk=export.pk).update(status="running")
    exports_storage().save(export.object_key, File(io.BytesIO(b"half a fi")))

    tasks.build_export.delay(export.pk)

    export.refresh_from_db()
    assert export.status == "done"
    assert read(export.object_key) == transactions_csv(ledger)
    assert exports_storage().listdir(f"exports/{user.pk}")[1] == [export.object_key.rsplit("/", 1)[1]]


def test_an_export_deleted_while_it_was_built_leaves_no_file(client, user, ledger, monkeypatch):
    client.post("/exports", {"report": "summary", "from": "2026-01-01", "to": "2026-01-31"}, format="json")
    export = Export.objects.get()
    real_save = storage.save

    def save_then_lose_the_row(key, content):
        real_save(key, content)
        Export.objects.filter(pk=export.pk).delete()

    monkeypatch.setattr(storage, "save", save_then_lose_the_row)
    tasks.build_export.delay(export.pk)
    assert not exports_storage().exists(export.object_key)


def test_a_task_for_a_vanished_export_does_nothing(db):
    assert tasks.build_export.delay(987654).successful()


def test_a_broker_outage_marks_the_export_failed_not_the_request(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker unreachable")

    monkeypatch.setattr(tasks.build_export, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/exports", {"report": "summary", "from": "2026-01-01", "to": "2026-01-31"}, format="json"
        )
    assert response.status_code == 202
    failed = client.get(f"/exports/{response.json()['id']}").json()
    assert (failed["status"], failed["error"]) == (
        "failed",
        "The export could not be queued; try again later.",
    )
