"""Helpers of the import tests: the statement files in tests/imports/files, uploads through the API."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

FILES = Path(__file__).parent / "files"


def statement(name: str) -> bytes:
    return (FILES / name).read_bytes()


def upload(client, account_id: int, content: bytes, name: str = "statement.csv", **headers):
    return client.post(
        "/imports",
        {"account": account_id, "file": SimpleUploadedFile(name, content)},
        format="multipart",
        **headers,
    )


def uploaded(client, account_id: int, name: str) -> dict:
    response = upload(client, account_id, statement(name), name)
    assert response.status_code == 201, response.content
    return response.json()


def mapped(client, account_id: int, name: str, **changes) -> dict:
    """Upload a CSV file and map it with the suggested mapping (with `changes` on top)."""
    created = uploaded(client, account_id, name)
    mapping = {**created["suggested_mapping"], **changes}
    response = client.put(f"/imports/{created['id']}/mapping", mapping, format="json")
    assert response.status_code == 200, response.content
    return created


def rows(client, import_id: int, **query) -> list[dict]:
    params = "&".join(f"{k}={v}" for k, v in {"page_size": 100, **query}.items())
    response = client.get(f"/imports/{import_id}/rows?{params}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def commit(client, on_commit, import_id: int, **body) -> dict:
    """Ask for the commit and run its task (inline; the test's transaction never commits, so the callbacks
    scheduled on commit run when the request is done); the import as it is then."""
    with on_commit(execute=True):
        response = client.post(f"/imports/{import_id}/commit", body, format="json")
    assert response.status_code == 202, response.content
    return client.get(f"/imports/{import_id}").json()


def revert(client, on_commit, import_id: int, query: str = ""):
    with on_commit(execute=True):
        return client.post(f"/imports/{import_id}/revert{query}")
