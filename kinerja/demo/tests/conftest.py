"""Fixtures of the browser tests: Debian's Chromium through Playwright, and the demo data.

Playwright's own browser downloads are never used (no `playwright install`): the tests drive
/usr/bin/chromium (`make system-packages` installs it), or the one named by KINERJA_CHROMIUM.
"""

import os
from importlib import import_module
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio event loop running in the main thread; without this
# Django refuses ORM calls from the test code ("You cannot call this from an async context").
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("KINERJA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Overrides pytest-playwright's: launch the system Chromium, headless."""
    path = Path(CHROMIUM)
    if not (path.is_file() and os.access(path, os.X_OK)):
        # A failure, not a skip: a missing browser must not pass as a green run.
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need it. Install the Debian "
            "package (`make system-packages` or `apt-get install chromium`), or set "
            "KINERJA_CHROMIUM to a Chromium executable. Do not run `playwright install`.",
            pytrace=False,
        )
    return {"executable_path": CHROMIUM, "args": list(CHROMIUM_ARGS)}


@pytest.fixture
def live_site(live_server):
    """pytest-django's live server, its static files served as in production.

    The live server puts Django's StaticFilesHandler in front of the site; it looks files up
    with the finders, which know no hashed names, so every asset of a page rendered with
    CompressedManifestStaticFilesStorage ("bootstrap.min.4bc73c7ba870.css") is a 404 and the
    pages run without their CSS and JavaScript. For these tests the handler is stepped over
    and WhiteNoise serves STATIC_ROOT (collectstatic's output), as it does in production.
    """
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.is_file():
        pytest.fail(f"{manifest} is missing: run `python manage.py collectstatic --no-input` "
                    "first (`make test` does).", pytrace=False)
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if isinstance(app, StaticFilesHandler):
        httpd.set_app(app.application)
    yield live_server
    httpd.set_app(app)


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
    demo_setup()
    return {account.username: account for account in demo_accounts()}
