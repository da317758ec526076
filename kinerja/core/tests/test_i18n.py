"""The Indonesian catalog is complete, and dates and numbers look as Indonesian offices write
them."""

import shutil
from datetime import date
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.core.management import call_command
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

CATALOG = Path(settings.BASE_DIR) / "locale/id/LC_MESSAGES/django.po"


def test_every_message_in_the_code_has_an_indonesian_translation(tmp_path, monkeypatch):
    """Extract the messages afresh into a copy of the catalog, as `makemessages` would for a
    translator, and require a reviewed translation for each."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is not installed: `make test` installs it (apt-get install gettext)")
    # makemessages writes to ./locale of the working directory: run it on a copy of the
    # code and catalog, so the real catalog is never touched.
    root = Path(settings.BASE_DIR)
    shutil.copytree(root / "kinerja", tmp_path / "kinerja",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(root / "locale", tmp_path / "locale")
    copy = tmp_path / "locale"
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[copy]):
        call_command("makemessages", locale=["id"], no_obsolete=True, verbosity=0)
    with (copy / "id/LC_MESSAGES/django.po").open("rb") as handle:
        catalog = read_po(handle)
    missing = [message.id for message in catalog if message.id and not (
        all(message.string) if isinstance(message.string, tuple) else message.string)]
    fuzzy = [message.id for message in catalog if message.id and message.fuzzy]
    assert missing == [], f"untranslated: {missing}"
    assert fuzzy == [], f"fuzzy (check and confirm): {fuzzy}"


def test_compiled_catalog_matches_the_source():
    """The .mo file is committed (a deployment needs no gettext); it must say what the .po
    says."""
    compiled = CATALOG.with_suffix(".mo")
    assert compiled.exists(), "run `manage.py compilemessages`"
    def entries(catalog):
        as_key = lambda value: value if isinstance(value, str) else tuple(value)  # noqa: E731
        # Babel's .mo reader leaves a message context as bytes.
        context = lambda m: m.context.decode() if isinstance(m.context, bytes) else m.context  # noqa: E731
        return {(context(m), as_key(m.id)): as_key(m.string) for m in catalog
                if m.id and not m.fuzzy}

    with CATALOG.open("rb") as source, compiled.open("rb") as binary:
        expected, actual = entries(read_po(source)), entries(read_mo(binary))
    assert actual == expected, "recompile: manage.py compilemessages -l id"


@pytest.mark.parametrize(("language", "expected"), [("id", "24 November 2026"),
                                                     ("en", "24 November 2026")])
def test_dates_are_day_month_year(language, expected):
    with translation.override(language):
        rendered = Template("{{ day|date }}").render(Context({"day": date(2026, 11, 24)}))
    assert rendered == expected


def test_indonesian_month_names():
    with translation.override("id"):
        rendered = Template("{{ day|date }}").render(Context({"day": date(2020, 2, 5)}))
    assert rendered == "5 Februari 2020"


def test_numbers_are_written_1_234_56():
    template = Template("{% load kinerja_format %}{{ value|number:2 }}")
    with translation.override("id"):
        assert template.render(Context({"value": 1234.56})) == "1.234,56"
        assert template.render(Context({"value": 1234567})) == "1.234.567,00"


def test_time_zone_is_wita():
    assert settings.TIME_ZONE == "Asia/Makassar"
