"""The demo data for the browser tests (Chromium and the live site: kinerja/conftest.py)."""

from dataclasses import dataclass
from importlib import import_module

import pytest


@pytest.fixture
def demo_built(transactional_db, settings):
    """The demo agencies in the test database; returns every demo account by user name.

    transactional_db (which live_server needs anyway): the live server's thread must see the
    committed rows. A transactional test ends by emptying the database. post_migrate then
    puts back content types, permissions and the agency admin group, but nothing re-runs
    the data migrations, so the function tags demo_setup needs (organisation migration
    0002) are gone for any later test; they are made again here, by that migration's own
    code. (Serialized rollback is no help: it restores nothing once Playwright runs, since
    Django then hands the test code other connection objects than those it serialized; and
    after a test that does not use it, its restore collides with the rows post_migrate
    re-made.)
    """
    from django.apps import apps

    from kinerja.demo.services import demo_accounts, demo_setup

    import_module("kinerja.organisation.migrations.0002_function_tags").create_tags(apps, None)
    settings.DEMO_MODE = True
    # These tests walk the log-in and SOP pages; the demo's 46 documents (about 20 s of
    # rendering) are filed and checked in test_demo.py.
    settings.KINERJA_ISSUE_DOCUMENTS = False
    demo_setup()
    return {account.username: account for account in demo_accounts()}


@dataclass
class DemoSite:
    url: str  # the live server's
    accounts: dict  # every demo account by user name (demo_accounts())


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker):
    """The demo built once for a test module, with a live server of the module's own over it
    (kinerja/conftest.py: demo_for_module, live_server_for_module), for browser tests that
    read the demo rather than change it. DEMO_MODE holds for the module's tests, as
    `demo_built` sets it for its test. Mark the tests `django_db`: each then runs in a
    transaction rolled back after it (on SQLite that takes back what the browser wrote too,
    the server sharing the test's connection)."""
    from kinerja.conftest import demo_for_module, live_server_for_module
    from kinerja.demo.services import demo_accounts

    # The demo's 46 documents (about 20 s of rendering) are filed and checked in test_demo.py.
    with demo_for_module(django_db_blocker, DEMO_MODE=True, KINERJA_ISSUE_DOCUMENTS=False), \
            live_server_for_module() as server:
        yield DemoSite(server.url, {account.username: account for account in demo_accounts()})
