"""The demo data for the browser tests (Chromium and the live site: kinerja/conftest.py)."""

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
