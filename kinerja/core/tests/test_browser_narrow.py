"""Kinerja on a phone: at 390 px wide the pages a person works on fit the screen
(issue 10, item 3).

The tasks page, a round's page, a unit's page and the agency recap are opened in a real
Chromium at 390 × 844 (a common phone) by the agency head and a staff member of Bidang X, and
measured: neither the document nor the body may be wider than the screen, and nothing inside
the page may scroll sideways (a table that only fits by scrolling hides its last columns, as
the recap's Target, Realisasi and Capaian were). On the recap each indicator's target,
realisation, achievement and category are on screen with their label. At 1280 px the recap is
still one table, one line per indicator. The recap marks a flagged (implausible) value on its
row and counts the flags in its header.

The data (kinerja/conftest.py's agency, with the long unit and indicator names of a real one)
is built once for the module with a live server of its own: pytest-django's `live_server`
would empty the database after every test. Each test runs in a transaction rolled back after
it; the module's data is emptied at its end.

Chromium and static files: see kinerja/conftest.py (`browser_type_launch_args`,
`live_site`). With KINERJA_SHOTS=<folder>, every page measured is also saved as a
screenshot there, at the width it was measured.
"""
from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import Browser, Page, expect

from kinerja.collection.models import PlausibilityFlag

# django_db: the test database is made for this module's tests too, and each test runs in a
# transaction rolled back after it (the live server shares SQLite's in-memory connection).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
HEAD, STAFF = "head", "staff_x"  # kinerja/conftest.py's personas
PASSWORD = "correct-horse-battery"  # every persona's (organisation/tests/factories.py)
SHOTS = os.environ.get("KINERJA_SHOTS", "")
# The recap's figures and the label each carries on a phone (Indonesian, the office default).
FIGURES = {"target": "Target", "realisation": "Realisasi", "achievement": "Capaian",
           "category": "Kategori"}

# How wide the page is, and what inside it is wider than its box and scrolls (or is cut off):
# a `.table-responsive` that scrolls sideways counts as much as the page itself.
MEASURE = """() => {
    const root = document.documentElement;
    const wide = [];
    for (const element of document.querySelectorAll("main *")) {
        const style = getComputedStyle(element);
        if (!["auto", "scroll", "hidden"].includes(style.overflowX)) continue;
        // A screen-reader-only element (.visually-hidden) is 1 px wide on purpose.
        if (element.clientWidth > 1 && element.scrollWidth > element.clientWidth + 1) {
            wide.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}` +
                      `.${[...element.classList].join(".")} ` +
                      `${element.scrollWidth} > ${element.clientWidth}`);
        }
    }
    // What sticks out on the right, the deepest first: the culprit of a wide page.
    const out = [];
    for (const element of document.querySelectorAll("body *")) {
        const box = element.getBoundingClientRect();
        if (box.width && box.right > root.clientWidth + 1 &&
                ![...element.children].some(child =>
                    child.getBoundingClientRect().right > root.clientWidth + 1)) {
            out.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}` +
                     ` right=${Math.round(box.right)}`);
        }
    }
    return {document: root.scrollWidth, body: document.body.scrollWidth,
            viewport: root.clientWidth, wide, out: out.slice(0, 5)};
}"""

# Per recap row: each figure's box, text, and the label shown before it.
READ_RECAP = """() => Array.from(
    document.querySelectorAll("#agency-recap tr[data-indicator]"), row => {
        const figure = name => {
            const cell = row.querySelector(`[data-figure="${name}"]`);
            if (!cell) return null;
            const box = cell.getBoundingClientRect();
            const label = getComputedStyle(cell, "::before");
            return {left: box.left, right: box.right, top: box.top, width: box.width,
                    text: cell.innerText.trim(), label: label.content.replace(/^"|"$/g, ""),
                    labelShown: label.display !== "none" && label.content !== "none",
                    visible: cell.checkVisibility()};
        };
        const name = row.querySelector("[data-figure=name]");
        return {code: row.dataset.indicator, name: name && name.getBoundingClientRect().right,
                target: figure("target"), realisation: figure("realisation"),
                achievement: figure("achievement"), category: figure("category")};
    })"""


@dataclass
class Site:
    url: str
    pages: dict[str, dict[str, str]]  # username -> {page name: path}
    flagged: str  # the code of the indicator whose value is marked implausible
    recap: str  # the finished round's agency recap, every unit's rows in it
    sessions: dict[str, dict] = field(default_factory=dict)  # username -> storage state


# An agency as it names things: long unit names and indicator names, a unit of measure in
# words, a value with three decimals (the Gini index).
UNIT_NAMES = {"division_x": "Bidang Perencanaan, Pengendalian dan Evaluasi Pembangunan",
              "division_y": "Bidang Pemerintahan dan Pembangunan Manusia"}
INDICATORS = [
    # code, unit, name, unit of measure, decimals, target, Q3 value, Q4 value
    ("I1.1.1", "division_x", "Persentase perangkat daerah yang menyampaikan laporan kinerja "
     "triwulan tepat waktu", "%", 2, "95", "90,5", "92"),
    ("I1.1.2", "division_x", "Jumlah dokumen perencanaan sektoral bidang perekonomian, "
     "infrastruktur dan kewilayahan yang disusun", "dokumen", 0, "12", "9", ""),
    ("I3.2.1", "division_y", "Persentase program prioritas bidang pemerintahan dan "
     "pembangunan manusia yang terakomodasi dalam RKPD", "%", 2, "88", "80", ""),
    ("I3.2.2", "division_y", "Indeks Gini", "indeks", 3, "0.305", "0,31", ""),
    ("I6.1.2", "secretariat", "Persentase realisasi anggaran belanja langsung dan tidak "
     "langsung", "%", 2, "95", "70", ""),
]
FLAGGED = "I3.2.2"


def _build():
    """Two rounds of 2026: Q3 finished (the head reads every unit's data), Q4 at data entry
    (Bidang X's staff has typed one value); a Q3 value is marked implausible."""
    from kinerja.catalogue.models import (
        Goal,
        Indicator,
        IndicatorYearTarget,
        Objective,
        RenstraPeriod,
    )
    from kinerja.collection import services
    from kinerja.collection.models import IndicatorValue
    from kinerja.conftest import build_org, fresh, hand_over_and_acknowledge, validated
    from kinerja.demo.services import SEED_SOP
    from kinerja.sops.services import sop_load

    org = build_org()
    for attribute, name in UNIT_NAMES.items():
        unit = getattr(org, attribute)
        unit.name = name
        unit.save()
    sop = sop_load(agency=org.agency, text=SEED_SOP.read_text(encoding="utf-8")).version.sop
    period = RenstraPeriod.objects.create(agency=org.agency, name="Renstra 2021–2026",
                                          start_year=2021, end_year=2026)
    goal = Goal.objects.create(period=period, code="T1", text=(
        "Meningkatnya kualitas perencanaan pembangunan daerah yang partisipatif dan "
        "terintegrasi"))
    objective = Objective.objects.create(goal=goal, code="S1.1", text=(
        "Meningkatnya kualitas dan ketepatan waktu dokumen perencanaan pembangunan daerah"))
    indicators = {}
    for order, (code, unit, name, measure, decimals, target, _q3, _q4) in enumerate(INDICATORS):
        indicators[code] = Indicator.objects.create(
            period=period, objective=objective, code=code, name=name, unit_of_measure=measure,
            decimals=decimals, responsible_unit=getattr(org, unit), order=order)
        IndicatorYearTarget.objects.create(indicator=indicators[code], year=2026,
                                           renstra_target=Decimal(target))

    def open_round(quarter):
        today = timezone.localdate()
        disposition = services.disposition_create(
            user=org.head.user, sop=sop, year=2026, period=quarter, date=today,
            speed="segera", security="biasa",
            subject=f"Pengumpulan data kinerja triwulan {quarter[1]} tahun 2026",
            instruction="Kumpulkan data kinerja seluruh bidang.",
            deadline=today + timedelta(days=14))
        round_ = services.disposition_sign(user=org.head.user, disposition=disposition,
                                           expected_version=disposition.version)
        for call, user, extra in (
                (services.disposition_forward, org.secretary, {"instruction": "Siapkan."}),
                (services.disposition_initial, org.kasubbag_planning, {}),
                (services.format_create, org.kasubbid_data,
                 {"due_date": today + timedelta(days=10)}),
                (services.format_finalise, org.kasubbid_data, {}),
                (services.format_send, org.kasubbid_data, {})):
            call(user=user.user, round_=round_, expected_version=fresh(round_).version, **extra)
        services.meeting_record(
            user=org.kasubbid_data.user, round_=round_, held_at=timezone.now(),
            place="Ruang Rapat Bappeda & Litbang", invitees=[org.kabid_x, org.kabid_y],
            attendees=[org.kabid_x, org.kabid_y], minutes="Format dibahas.", decisions="",
            expected_version=fresh(round_).version)
        return fresh(round_)

    def values(unit, column):
        return {indicators[code]: row[column] for code, *row in INDICATORS
                if row[0] == unit and row[column]}

    finished = open_round("Q3")
    for unit, staff, head in (("division_x", org.staff_x, org.kabid_x),
                              ("division_y", org.staff_y, org.kabid_y),
                              ("secretariat", org.staff_secretariat, org.secretary)):
        track = validated(org, finished, getattr(org, unit), staff, head, values(unit, 5))
        hand_over_and_acknowledge(org, track)
    # Flagged before finalising: the finalised recap keeps what the values were then.
    IndicatorValue.objects.filter(track__round=finished, indicator=indicators[FLAGGED]).update(
        plausibility=PlausibilityFlag.FAR_FROM_PREVIOUS)
    services.round_finalise(user=org.staff_data.user, round_=fresh(finished),
                            expected_version=fresh(finished).version)

    current = open_round("Q4")
    for round_ in (finished, current):
        _documents(round_)
    own = current.tracks.get(unit=org.division_x)
    services.values_save(user=org.staff_x.user, track=own, entries=[
        services.ValueEntry(indicator_id=indicator.id, value_text=text)
        for indicator, text in values("division_x", 6).items()])
    tasks = reverse("core:my_tasks")
    return {
        HEAD: {
            "tasks": tasks,
            "rounds": reverse("collection:round_list"),
            "round": reverse("collection:round_detail", args=[finished.id]),
            "unit": reverse("collection:track_detail", args=[
                finished.id, finished.tracks.get(unit=org.division_y).id]),
            "recap": reverse("collection:agency_recap", args=[finished.id]),
        },
        STAFF: {
            "tasks": tasks,
            "round": reverse("collection:round_detail", args=[current.id]),
            "unit": reverse("collection:track_detail", args=[current.id, own.id]),
            "recap": reverse("collection:agency_recap", args=[current.id]),
        },
    }


def _documents(round_) -> None:
    """Each step's document as filed, for the pages' document list: rows only (issuing the
    PDFs takes seconds each and is another test's matter), one with its hardcopy."""
    from kinerja.documents.models import Document, DocumentKind, Hardcopy

    kinds = {1: DocumentKind.DISPOSITION, 3: DocumentKind.DATA_REQUEST_FORMAT,
             4: DocumentKind.MEETING_MINUTES}
    executions = round_.executions.filter(step__number__in=kinds, track=None).select_related(
        "step", "completed_by__person")
    for execution in executions:
        kind = kinds[execution.step.number]
        document = Document.objects.create(
            agency=round_.agency, round=round_, execution=execution, kind=kind,
            title=f"{kind.label} {round_}", file=f"documents/narrow/{kind}.pdf", size=1,
            sha256="ab" * 32)
        if execution.step.number == 1:
            Hardcopy.objects.create(document=document, filed_by=execution.completed_by.person,
                                    recorded_by=execution.completed_by,
                                    filed_on=timezone.localdate(),
                                    location="Lemari arsip Subbagian Umum, map 2026")


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker, browser: Browser):
    """The agency's data in the test database, a live server over it and each person logged
    in once. Emptied afterwards, as a transactional test leaves the database."""
    from django.conf import settings
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connection
    from pytest_django.live_server_helper import LiveServer

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").is_file():
        pytest.fail("run `python manage.py collectstatic --no-input` first "
                    f"({settings.STATIC_ROOT})", pytrace=False)
    with django_db_blocker.unblock():
        # Never the real database: it is emptied at the end.
        name = str(connection.settings_dict["NAME"])
        assert name.startswith("test") or (
            connection.vendor == "sqlite" and connection.is_in_memory_db()), name
        try:
            # The rounds' PDF documents (seconds each) are another test's matter.
            with override_settings(KINERJA_ISSUE_DOCUMENTS=False):
                pages = _build()
            server = LiveServer("localhost")
            httpd = server.thread.httpd
            app = httpd.get_app()
            if isinstance(app, StaticFilesHandler):  # WhiteNoise serves STATIC_ROOT instead
                httpd.set_app(app.application)
            found = Site(url=server.url, pages=pages, flagged=FLAGGED, recap=pages[HEAD]["recap"])
            for username in pages:
                context = browser.new_context(base_url=server.url, viewport=PHONE)
                page = context.new_page()
                page.goto("/accounts/login/")
                page.locator("#id_username").fill(username)
                page.locator("#id_password").fill(PASSWORD)
                page.locator("form:has(#id_password) [type=submit]").click()
                page.wait_for_url(re.compile(rf"^{re.escape(server.url)}/(tasks|dashboard)/$"))
                found.sessions[username] = context.storage_state()
                context.close()
            yield found
            _wait_for_requests()
            server.stop()
        finally:
            call_command("flush", interactive=False, verbosity=0)


def _wait_for_requests(timeout: float = 5) -> None:
    """Let the server's request threads end (a browser's kept-alive connection ends with
    its context) before the server stops sharing the database connection with them."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(max(0, deadline - time.monotonic()))


def _page(browser: Browser, site: Site, username: str, viewport: dict) -> Page:
    context = browser.new_context(base_url=site.url, viewport=viewport, locale="id-ID",
                                  storage_state=site.sessions[username])
    return context.new_page()


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _measure(page: Page, path: str, shot: str) -> str:
    """"" when the page fits its viewport, else what is too wide."""
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    expect(page.locator("main h1")).to_be_visible()
    shown = page.evaluate(MEASURE)
    _shot(page, shot)
    width = shown["viewport"]
    if (shown["document"] <= width and shown["body"] <= width and not shown["wide"]):
        return ""
    return (f"{path}: document {shown['document']} px, body {shown['body']} px for a "
            f"{width} px screen; scrolling inside: {shown['wide']}; sticking out: {shown['out']}")


@pytest.mark.parametrize(("username", "page_name"), [
    *((HEAD, name) for name in ("tasks", "rounds", "round", "unit", "recap")),
    *((STAFF, name) for name in ("tasks", "round", "unit", "recap"))])
def test_the_page_fits_a_phone(browser, site, username, page_name):
    page = _page(browser, site, username, PHONE)
    try:
        problem = _measure(page, site.pages[username][page_name],
                           f"{username}-{page_name}-390")
        assert not problem, problem
    finally:
        page.context.close()


def test_the_recap_shows_every_figure_with_its_label_on_a_phone(browser, site):
    page = _page(browser, site, HEAD, PHONE)
    try:
        page.goto(site.recap)
        rows = page.evaluate(READ_RECAP)
        assert len(rows) == len(INDICATORS), rows
        for row in rows:
            assert row["name"] is not None and row["name"] <= PHONE["width"], row
            for name, label in FIGURES.items():
                figure = row[name]
                assert figure is not None, (row["code"], name)
                assert figure["visible"], (row["code"], name, figure)
                assert figure["left"] >= 0 and figure["right"] <= PHONE["width"], (
                    row["code"], name, figure)
                assert figure["text"], (row["code"], name)
                assert figure["labelShown"] and figure["label"] == label, (
                    row["code"], name, figure["label"])
    finally:
        page.context.close()


def test_the_recap_is_one_table_on_a_desktop(browser, site):
    page = _page(browser, site, HEAD, DESKTOP)
    try:
        page.goto(site.recap)
        _shot(page, "head-recap-1280")
        shown = page.evaluate(MEASURE)
        assert shown["document"] <= DESKTOP["width"] and not shown["wide"], shown
        expect(page.locator("#agency-recap thead")).to_be_visible()
        headings = page.locator("#agency-recap thead th")
        expect(headings).to_have_text(["Kode", "Indikator", "Unit kerja", "Target", "Realisasi",
                                       "Capaian", "Kategori", "Periode sebelumnya",
                                       "Capaian periode sebelumnya"])
        for row in page.evaluate(READ_RECAP):
            tops = {round(row[name]["top"]) for name in FIGURES}
            assert len(tops) == 1, ("one line per indicator", row)
            assert all(not row[name]["labelShown"] for name in FIGURES), row
        for name in ("tasks", "rounds", "round"):
            page.goto(site.pages[HEAD][name])
            _shot(page, f"head-{name}-1280")
        expect(page.locator("#tracks thead")).to_be_visible()
        expect(page.locator("#round-steps thead")).to_be_visible()
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_recap_flags_an_implausible_value_and_counts_it(browser, site, viewport):
    page = _page(browser, site, HEAD, viewport)
    try:
        page.goto(site.recap)
        count = page.locator("#implausible-count")
        expect(count).to_have_attribute("data-count", "1")
        expect(count).to_contain_text("1 ")
        row = page.locator(f'#agency-recap tr[data-indicator="{site.flagged}"]')
        flag = row.locator("[data-flag]")
        expect(flag).to_have_attribute("data-flag", "far_previous")
        with translation.override("id"):
            label = str(PlausibilityFlag.FAR_FROM_PREVIOUS.label)
        expect(flag).to_contain_text(re.compile(re.escape(label), re.IGNORECASE))
        expect(page.locator("#agency-recap [data-flag]")).to_have_count(1)
        page.locator(f'#implausible a[data-flag-link="{site.flagged}"]').click()
        expect(row).to_be_in_viewport()
        expect(flag).to_be_visible()
        _shot(page, f"head-recap-flag-{viewport['width']}")
    finally:
        page.context.close()
