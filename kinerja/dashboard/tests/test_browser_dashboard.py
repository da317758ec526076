"""The head's dashboard in a real Chromium, as the demo's `kepala` reads it: logging in lands
on it; every unit of the demo's current round with the step it is at and whether it is late,
as the database has them; the chart of working time against the standard and the
achievement charts, each an SVG in a <figure> with its table; at 1280 px and at 390 px (a
phone) the page itself never scrolls sideways. No console error (the CSP refuses any inline
style or script, and says so there).

With `KINERJA_SCREENSHOTS=docs/screenshots` the pages are saved there as dashboard.png and
dashboard-390.png (the README's pictures); otherwise nothing is written.
Fixtures: kinerja/demo/tests/conftest.py's `demo_site` (the demo and a live server, built once
for the module)."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kinerja.collection.models import ExecutionStatus, Round, RoundStatus, StepExecution
from kinerja.demo.tests.conftest import demo_site  # noqa: F401 (the module's fixture)
from kinerja.organisation.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.demo, pytest.mark.django_db]

SHOTS = os.environ.get("KINERJA_SCREENSHOTS", "")
SIZES = {
    "dashboard.png": {"width": 1280, "height": 900},
    "dashboard-390.png": {"width": 390, "height": 844},
}

# The page's width and, when it is too wide, what sticks out on the right (deepest first).
MEASURE = """() => {
    const root = document.documentElement;
    const out = [];
    for (const element of document.querySelectorAll("body *")) {
        const box = element.getBoundingClientRect();
        if (box.width && box.right > root.clientWidth + 1 &&
                ![...element.children].some(child =>
                    child.getBoundingClientRect().right > root.clientWidth + 1)) {
            out.push(`${element.tagName.toLowerCase()}${element.id ? "#" + element.id : ""}` +
                     `.${[...element.classList].join(".")} right=${Math.round(box.right)}`);
        }
    }
    return {document: root.scrollWidth, body: document.body.scrollWidth,
            viewport: root.clientWidth, out: out.slice(0, 8)};
}"""

READ = """() => ({
    units: Array.from(document.querySelectorAll("#dashboard-units tbody tr"), row => ({
        unit: row.querySelector("th").innerText.trim(), step: row.dataset.step,
        late: row.dataset.late, holders: (row.querySelector("[data-figure=holders]") || {})
            .innerText})),
    stepBars: document.querySelectorAll("#figure-step-time svg#chart-step-time rect").length,
    stepRows: document.querySelectorAll("#figure-step-time table tbody tr").length,
    categoryBars: document.querySelectorAll("#figure-categories svg rect").length,
    categoryRows: document.querySelectorAll("#figure-categories table tbody tr").length,
    objectiveBars: document.querySelectorAll("#figure-objectives svg rect").length,
    trends: document.querySelectorAll("#figure-trends svg.spark").length,
    styled: getComputedStyle(document.querySelector("svg.chart")).width !== "auto",
})"""


def test_kepala_reads_the_dashboard_of_the_current_round(demo_site, new_context):  # noqa: F811
    account = demo_site.accounts["kepala"]
    agency_id = Person.objects.get(user__username="kepala").agency_id
    current = (
        Round.objects.filter(agency_id=agency_id, status=RoundStatus.OPEN)
        .order_by("-year", "-period", "-id")
        .first()
    )
    assert current is not None, "the demo has a round in progress"
    now = timezone.now()
    expected = {}
    for execution in StepExecution.objects.filter(
        round=current, track__isnull=False, status=ExecutionStatus.OPEN
    ).select_related("track__unit", "step"):
        expected[execution.track.unit.name] = (
            str(execution.step.number),
            "1" if execution.due_at < now else "0",
        )
    assert len(expected) == current.tracks.count() >= 3

    for name, size in SIZES.items():
        _read_at(demo_site, new_context, account, name, size, current, expected)


def _read_at(site, new_context, account, name, size, current, expected) -> None:
    context = new_context(base_url=site.url, viewport=size)
    page = context.new_page()
    problems = []
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"{response.status} {response.url}")
        ),
    )
    page.on(
        "console",
        lambda message: message.type == "error" and problems.append(f"console: {message.text}"),
    )
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    try:
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(account.username)
        page.locator("#id_password").fill(account.password)
        page.locator("form:has(#id_password) [type=submit]").click()
        page.wait_for_url(f"{site.url}/dashboard/")
        expect(page.locator("#dashboard-round")).to_have_attribute("data-round", str(current.id))
        expect(page.locator('a[data-nav="dashboard"]')).to_have_count(1)
        shown = page.evaluate(READ)
        units = {row["unit"]: (row["step"], row["late"]) for row in shown["units"]}
        assert units == expected, size
        assert all(row["holders"].strip() not in ("", "—") for row in shown["units"]), shown[
            "units"
        ]
        assert shown["stepBars"] > 0 and shown["stepRows"] >= 5
        assert shown["categoryRows"] == 6 and shown["categoryBars"] > 0
        assert shown["objectiveBars"] > 0 and shown["trends"] > 0
        assert shown["styled"], "dashboard.css did not apply"
        width = page.evaluate(MEASURE)
        assert width["document"] <= width["viewport"], (size, width)
        assert width["body"] <= width["viewport"], (size, width)
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SHOTS) / name), full_page=True)
        assert problems == [], size
    finally:
        context.close()
