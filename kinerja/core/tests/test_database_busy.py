"""A database held by another writer for longer than the lock timeout is 503 "try again" with
Retry-After, on pages and in the API, not a stack trace. The writer is a real second
connection to the test database: on SQLite (the in-memory test database with its shared cache)
it holds a write transaction on the rounds table; on PostgreSQL it holds `LOCK TABLE` while
this connection waits at most 200 ms (`lock_timeout`)."""

import sqlite3
from contextlib import contextmanager

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import translation

from kinerja.accounts.services import api_token_create
from kinerja.collection.models import Round
from kinerja.core.middleware import is_database_busy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.sqlite]


@contextmanager
def another_writer_holds(table: str):
    """A second connection holds a write lock on `table` until the block ends."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        other = sqlite3.connect(settings["NAME"], uri=True, isolation_level=None, timeout=0)
        other.execute("BEGIN IMMEDIATE")
        other.execute(f"UPDATE {table} SET version = version")
    elif connection.vendor == "postgresql":
        import psycopg

        other = psycopg.connect(dbname=settings["NAME"], user=settings["USER"],
                                password=settings["PASSWORD"], host=settings["HOST"],
                                port=settings["PORT"] or None)
        other.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
    else:
        pytest.skip(f"no lock test for {connection.vendor}")
    try:
        yield
    finally:
        other.rollback() if connection.vendor == "postgresql" else other.execute("ROLLBACK")
        other.close()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")


@pytest.fixture
def staff_client(org):
    client = Client(raise_request_exception=False)
    client.force_login(org.staff_x.user)
    return client


def test_a_page_is_503_try_again_while_another_writer_holds_the_table(org, opened_round,
                                                                      staff_client):
    with another_writer_holds(Round._meta.db_table):
        response = staff_client.get(f"/rounds/{opened_round.id}/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    text = response.content.decode()
    assert "Traceback" not in text and "OperationalError" not in text
    with translation.override("id"):
        assert translation.gettext("The database is busy") in text
    assert staff_client.get(f"/rounds/{opened_round.id}/").status_code == 200  # released


def test_the_api_is_503_in_the_error_shape(org, opened_round):
    token = api_token_create(user=org.staff_x.user, name="t")[1]
    client = Client(raise_request_exception=False)
    with another_writer_holds(Round._meta.db_table):
        response = client.get(f"/api/v1/rounds/{opened_round.id}",
                              headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["code"] == "database_busy" and body["details"] == []
    assert set(body) == {"code", "message", "details"}


def test_only_lock_errors_count_as_busy():
    assert is_database_busy(OperationalError("database is locked"))
    assert not is_database_busy(OperationalError("no such table: x"))
    assert not is_database_busy(RuntimeError("database is locked"))
