"""What an import tells operators: business events with ids and counts only (never the file's contents), and
counters with bounded labels."""

import pytest
from prometheus_client import REGISTRY

from tests.conftest import client_for
from tests.factories import AccountFactory, CategoryFactory
from tests.imports.support import commit, revert, statement, upload

pytestmark = pytest.mark.django_db


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_each_step_is_an_event_and_a_count(user, logs, django_capture_on_commit_callbacks):
    client = client_for(user)
    account = AccountFactory(user=user, currency="USD", opening_balance="100.00")
    spending = CategoryFactory(user=user, type="expense")
    earning = CategoryFactory(user=user, type="income")
    before = {
        result: counted("finance_imports_total", result=result)
        for result in ("uploaded", "committed", "reverted", "failed")
    }
    created_rows = counted("finance_import_rows_total", result="created")
    with django_capture_on_commit_callbacks(execute=True):
        made = upload(client, account.pk, statement("checking-sgml.ofx"), "march.ofx").json()
    done = commit(
        client,
        django_capture_on_commit_callbacks,
        made["id"],
        expense_category=spending.pk,
        income_category=earning.pk,
    )
    assert done["status"] == "done"
    revert(client, django_capture_on_commit_callbacks, made["id"])
    uploaded, committed, reverted = (
        logs.events("import.uploaded"),
        logs.events("import.committed"),
        logs.events("import.reverted"),
    )
    assert [(e["import_id"], e["format"], e["rows"]) for e in uploaded] == [(made["id"], "ofx", 6)]
    assert [(e["created"], e["duplicates"], e["skipped"]) for e in committed] == [(6, 0, 0)]
    assert [(e["removed"], e["forced"]) for e in reverted] == [(6, False)]
    for result in ("uploaded", "committed", "reverted"):
        assert counted("finance_imports_total", result=result) == before[result] + 1
    assert counted("finance_import_rows_total", result="created") == created_rows + 6
    # Descriptions, bank ids and amounts of the file stay out of the log.
    for secret in ("ACME PAYROLL", "202603020001", "2450.00"):
        assert secret not in logs.text


def test_a_failed_commit_is_a_warning_event(user, logs, django_capture_on_commit_callbacks):
    client = client_for(user)
    full = AccountFactory(user=user, currency="USD", opening_balance="99999999999999.00")
    made = upload(client, full.pk, b"Date,Description,Amount\n2026-03-01,Refund,5.00\n").json()
    client.put(f"/imports/{made['id']}/mapping", made["suggested_mapping"], format="json")
    failed_before = counted("finance_imports_total", result="failed")
    income = CategoryFactory(user=user, type="income")
    assert (
        commit(client, django_capture_on_commit_callbacks, made["id"], income_category=income.pk)["status"]
        == "failed"
    )
    [event] = logs.events("import.failed")
    assert (event["level"], event["import_id"], event["stage"]) == ("warning", made["id"], "commit")
    assert counted("finance_imports_total", result="failed") == failed_before + 1
