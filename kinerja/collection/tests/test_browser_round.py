"""A whole collection round, steps 1 to 9, driven through a real Chromium as its people would.

Every person logs in through the log-in form in a browser context of their own, finds the
step waiting for them under "My tasks" (or the menu) and acts by clicking and typing: the head
drafts and signs the disposition, the secretary forwards it, the Kasubbag Perencanaan initials
it, the Kasubbid Data builds, finalises and sends the format and records the meeting, the staff
of each unit type their values, the Kabid of Bidang Y returns the unit's data once and it is
corrected, the unit heads validate and hand over, the Kasubbid Data acknowledges each unit and
the data subsection's staff finalises the round. The agency recap is then read and checked,
for every indicator, against values worked out by hand below.

Personas and catalogue: kinerja/conftest.py (`org`, `sop`, `catalogue`). Chromium is Debian's
(/usr/bin/chromium, or KINERJA_CHROMIUM); `playwright install` is never used. Static files are
the collected ones (`collectstatic`; `make test` runs it), served by WhiteNoise as in
production. Runs alone or under `-n 2` (each worker has its own browser, live server and
database).
"""

import io
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from kinerja.conftest import run_pending_tasks

PASSWORD = "correct-horse-battery"  # every persona's (organisation/tests/factories.py)

# --- What the round must end with, worked out by hand -------------------------------------
#
# The catalogue fixture gives each indicator a 2026 Renstra target of 10 and the model
# defaults: polarity positive, aggregation "last", 2 decimals (catalogue/models.py). For a
# quarter round achievement.effective_target() applies DEFAULT_QUARTER_RULE
# (PRO_RATA_FOR_SUM): only sum indicators get the year's target pro rata (3/4 in Q3); a "last"
# indicator is measured against the year's target itself, 10. quarter_value() of a "last"
# indicator is the quarter's own value (no Q1/Q2 values exist anyway). So
#     achievement = realisation ÷ 10 × 100   (positive polarity, no range, no PK target)
# and category() reads DEFAULT_SCALE (Permendagri 86/2017, half-open bands):
#     ≥ 91 Sangat Tinggi, ≥ 76 Tinggi, ≥ 66 Sedang, ≥ 51 Rendah, below: Sangat Rendah.
# Shown with two decimals, Indonesian style ("76,00 %"); target and realisation with the
# indicator's 2 decimals ("10,00").
#
#   X1  typed "7,6"   → 7,6 ÷ 10 × 100  =  76,00 %  → Tinggi   (76 is Tinggi's lower bound)
#   X2  typed "12,5"  → 12,5 ÷ 10 × 100 = 125,00 %  → Sangat Tinggi (not capped at 100)
#   Y1  typed "4,5"   → 4,5 ÷ 10 × 100  =  45,00 %  → Sangat Rendah; returned by the Kabid,
#       corrected to "6,6" → 6,6 ÷ 10 × 100 = 66,00 % → Sedang (66 is Sedang's lower bound)
#   S1  typed "5,25"  → 5,25 ÷ 10 × 100 =  52,50 %  → Rendah
#
# Below the agency's default threshold (CollectionSettings.explain_below_achievement, 91 %)
# an explanation is required before the recap can be submitted: X1, Y1 and S1 get one; X2
# (125 %) needs none and gets none.
TARGET = "10,00"
EXPECTED = {
    # code: (realisation as shown, achievement, category)
    "X1": ("7,60", "76,00 %", "Tinggi"),
    "X2": ("12,50", "125,00 %", "Sangat Tinggi"),
    "Y1": ("6,60", "66,00 %", "Sedang"),
    "S1": ("5,25", "52,50 %", "Rendah"),
}
Y1_FIRST = ("4,5", "4,50", "45,00 %", "Sangat Rendah")  # typed, shown, achievement, category

UNIT_X, UNIT_Y, UNIT_SEK = "Bidang X", "Bidang Y", "Sekretariat"


# --- Fixtures -----------------------------------------------------------------------------

# --- What a person does in the browser ----------------------------------------------------

# Django's messages are the alerts directly under <main>. The round page's late warning and
# the unit page's return reason are too, but they report a state, not a refused action.
ERRORS = "main > .alert-danger:not(#late-warning), main > .alert-warning:not(#return-reason)"
SUCCESS = "main > .alert-success"


class Person:
    """One person's browser session: a fresh context, logged in through the form."""

    def __init__(self, page: Page, username: str, base_url: str):
        self.page, self.username, self.base_url = page, username, base_url

    def fail(self, what: str) -> None:
        pytest.fail(f"{self.username} at {self.page.url}: {what}", pytrace=False)

    def check_no_error(self, action: str) -> None:
        errors = self.page.locator(ERRORS).all_inner_texts()
        if errors:
            self.fail(f"{action} was refused: {' | '.join(errors)}")

    def submit(self, button: str, action: str) -> None:
        """Click a submit button, wait for the page that answers, and insist it reports
        success (a Django message) rather than an error."""
        locator = self.page.locator(button)
        if locator.count() != 1:
            self.fail(f"{action}: expected one {button!r} on the page, found {locator.count()}")
        with self.page.expect_navigation():
            locator.click()
        self.check_no_error(action)
        if self.page.locator(SUCCESS).count() != 1:
            self.fail(f"{action}: no success message after clicking {button!r}")

    def my_tasks(self) -> None:
        self.page.locator('nav a[data-nav="tasks"]').click()
        expect(self.page).to_have_url(f"{self.base_url}/tasks/")

    def open_task(self, step: int, unit: str | None = None) -> None:
        """From "My tasks" (where logging in lands), follow the task of `step` (of `unit`'s
        track)."""
        if self.page.url != f"{self.base_url}/tasks/":
            self.my_tasks()
        tasks = self.page.locator(f'#tasks a[data-step="{step}"]')
        if unit is not None:
            tasks = tasks.filter(has_text=re.compile(rf"· {re.escape(unit)}\s*$"))
        if tasks.count() != 1:
            listed = self.page.locator("#tasks a, #no-tasks").all_inner_texts()
            self.fail(f"expected one task of step {step}{f' for {unit}' if unit else ''}, "
                      f"found {tasks.count()}; My tasks lists: {listed}")
        tasks.click()
        self.page.wait_for_load_state()

    def row(self, code: str):
        return self.page.locator(f'#recap tr[data-indicator="{code}"]')


@pytest.fixture
def login(live_site, new_context):
    """`with login("username") as person:` a new browser context, logged in through the form,
    closed at the end of the block."""

    @contextmanager
    def session(username: str):
        context = new_context()
        context.set_default_timeout(10_000)
        page = context.new_page()
        # Every response must succeed, the static files (CSS, JavaScript) included.
        failed = []
        page.on("response", lambda response: response.status >= 400 and failed.append(
            f"{response.status} {response.request.method} {response.url}"))
        try:
            page.goto(f"{live_site.url}/")
            expect(page).to_have_url(re.compile(r"/accounts/login/"))
            page.locator("#id_username").fill(username)
            page.locator("#id_password").fill(PASSWORD)
            with page.expect_navigation():
                page.locator("main form:has(#id_username) button[type=submit]").click()
            # The home page sends the head and the secretary to the dashboard, everyone else
            # to "My tasks" (open_task goes there from the dashboard).
            expect(page, f"{username} could not log in").to_have_url(
                re.compile(rf"^{re.escape(live_site.url)}/(tasks|dashboard)/$"))
            yield Person(page, username, live_site.url)
            if failed:
                pytest.fail(f"{username}: failed responses: {failed}", pytrace=False)
        finally:
            context.close()

    return session


# --- The unit pages (steps 5 to 8) --------------------------------------------------------

def enter_values(person: Person, values: dict[str, tuple[str, str]]) -> None:
    """Type each indicator's value and explanation, save, and check what the page computed."""
    for code, (typed, explanation) in values.items():
        row = person.row(code)
        expect(row).to_have_count(1)
        row.locator('input[name^="value-"]').fill(typed)
        row.locator('textarea[name^="explanation-"]').fill(explanation)
    person.submit("#save-values", "saving the values")


def expect_unit_row(person: Person, code: str, shown: str, achievement: str,
                    category: str) -> None:
    """The unit page's row: target, value (in the input while editable), achievement and
    category (columns 3 to 6 of #recap)."""
    row = person.row(code)
    cells = row.locator("td")
    expect(cells.nth(2)).to_have_text(TARGET)
    field = cells.nth(3).locator('input[name^="value-"]')
    if field.count():
        expect(field).to_have_value(shown)
    else:
        expect(cells.nth(3)).to_have_text(shown)
    expect(cells.nth(4)).to_have_text(achievement)
    expect(cells.nth(5)).to_have_text(category)


def fill_and_submit(person: Person, unit: str, values: dict[str, tuple[str, str]],
                    shown: dict[str, tuple[str, str, str]]) -> None:
    """Steps 5 and 6 for one unit: from the task, enter, complete and submit."""
    person.open_task(5, unit)
    expect(person.page.locator("main h1")).to_have_text(unit)
    enter_values(person, values)
    for code, (value, achievement, category) in shown.items():
        expect_unit_row(person, code, value, achievement, category)
    person.submit("#complete-entry", "completing the data entry")
    expect(person.page.locator("#missing")).to_have_count(0)
    person.submit("#submit-recap", "submitting the unit recap")
    expect(person.page.locator("#submit-recap")).to_have_count(0)
    expect(person.page.locator('input[name^="value-"]')).to_have_count(0)


def validate_and_hand_over(person: Person, unit: str) -> None:
    """Steps 7 and 8 for one unit: the unit head approves, then hands over."""
    person.open_task(7, unit)
    expect(person.page.locator("main h1")).to_have_text(unit)
    person.submit("#approve", f"approving {unit}")
    person.submit("#handover", f"handing {unit} over")
    expect(person.page.locator("#approve, #handover")).to_have_count(0)


# --- The round ----------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_whole_round_in_the_browser(login, org, sop, catalogue):
    today = timezone.localdate()  # the agency's day (Asia/Makassar), as the services see it

    # Step 1: the head drafts the disposition from the rounds page and signs it.
    with login("head") as head:
        page = head.page
        page.locator('nav a[data-nav="rounds"]').click()
        page.locator("#new-disposition").click()
        expect(page.locator("#id_sop option:checked")).not_to_have_attribute("value", "")
        page.locator("#id_year_period").select_option("2026-Q3")
        page.locator("#id_date").fill(today.isoformat())
        page.locator("#id_speed").select_option(label="Segera")
        page.locator("#id_security").select_option(label="Biasa")
        page.locator("#id_subject").fill("Pengumpulan data kinerja triwulan III 2026")
        page.locator("#id_instruction").fill("Kumpulkan data kinerja triwulan III.")
        page.locator("#id_deadline").fill((today + timedelta(days=14)).isoformat())
        head.submit("main form button[type=submit]", "saving the disposition")
        expect(page.locator("#disposition")).to_contain_text("Triwulan III 2026")
        head.submit("#sign-disposition", "signing the disposition")
        expect(page).to_have_url(re.compile(r"/rounds/(\d+)/$"))
        round_url = page.url
        expect(page.locator("main h1")).to_contain_text("Triwulan III 2026")
        expect(page.locator("#signatures li")).to_have_count(1)

    # Step 2: the secretary forwards it to the data subsection …
    with login("secretary") as secretary:
        secretary.open_task(2)
        expect(secretary.page).to_have_url(f"{round_url}#step-2")
        secretary.page.locator("#form-forward textarea[name=instruction]").fill(
            "Siapkan format permintaan data triwulan III.")
        secretary.submit("#form-forward button[type=submit]", "forwarding the disposition")

    # … the Kasubbag Perencanaan initials it …
    with login("kasubbag") as kasubbag:
        kasubbag.open_task(2)
        kasubbag.submit("#form-initial button[type=submit]", "initialling the disposition")
        expect(kasubbag.page.locator("#signatures li")).to_have_count(3)

    # … and the Kasubbid Data builds the format (steps 2–3), then records the meeting (4).
    with login("kasubbid_data") as kasubbid:
        page = kasubbid.page
        kasubbid.open_task(2)
        page.locator("#form-format_create input[name=due_date]").fill(
            (today + timedelta(days=10)).isoformat())
        kasubbid.submit("#form-format_create button[type=submit]", "drafting the format")
        # Every indicator of the catalogue for 2026 is in the draft.
        expect(page.locator("#format-items tbody tr")).to_have_count(4)
        kasubbid.submit("#form-format_finalise button[type=submit]", "finalising the format")
        kasubbid.submit("#form-format_send button[type=submit]", "sending the format")
        expect(page.locator("#tracks tbody tr")).to_have_count(3)

        kasubbid.open_task(4)
        form = page.locator("#form-meeting")
        form.locator("input[name=held_at]").fill(
            timezone.localtime().replace(hour=9, minute=0).strftime("%Y-%m-%dT%H:%M"))
        form.locator("input[name=place]").fill("Ruang rapat Bidang X")

        def box(field: str, name: str):
            return (form.locator(".form-check")
                    .filter(has=page.locator(f"input[name={field}]"))
                    .filter(has_text=re.compile(rf"^\s*{re.escape(name)}\s*$"))
                    .locator("input"))

        for name in ["kabid_x", "kabid_y", "secretary", "kasubbid_data", "staff_x", "staff_y",
                     "staff_sek"]:
            box("invitees", name).check()
        for name in ["kabid_x", "kabid_y", "kasubbid_data", "staff_x", "staff_y"]:
            box("attendees", name).check()
        form.locator("textarea[name=minutes]").fill("Format data kinerja dibahas bersama.")
        kasubbid.submit("#form-meeting button[type=submit]", "recording the meeting")
        expect(page.locator("#meeting")).to_contain_text("Ruang rapat Bidang X")

    # Steps 5–6: each unit's staff fill in the format and submit the unit recap.
    with login("staff_x") as staff_x:
        fill_and_submit(
            staff_x, UNIT_X,
            {"X1": ("7,6", "Dua dokumen masih dalam penyusunan."), "X2": ("12,5", "")},
            {"X1": EXPECTED["X1"], "X2": EXPECTED["X2"]})
    with login("staff_y") as staff_y:
        fill_and_submit(
            staff_y, UNIT_Y, {"Y1": (Y1_FIRST[0], "Kegiatan tertunda.")},
            {"Y1": Y1_FIRST[1:]})
    with login("staff_sek") as staff_sek:
        fill_and_submit(
            staff_sek, UNIT_SEK, {"S1": ("5,25", "Anggaran dipotong.")},
            {"S1": EXPECTED["S1"]})

    # Step 7: the Kabid of Bidang Y returns the data once, with a reason and a comment on Y1.
    reason = "Nilai Y1 belum memuat dokumen bulan September."
    comment = "Tambahkan dua dokumen September."
    with login("kabid_y") as kabid_y:
        page = kabid_y.page
        kabid_y.open_task(7, UNIT_Y)
        expect_unit_row(kabid_y, "Y1", *Y1_FIRST[1:])
        page.locator("#return-reason-input").fill(reason)
        page.locator("#return-form summary").click()
        page.locator('#return-form input[name^="comment-"]').fill(comment)
        kabid_y.submit("#return", "returning Bidang Y")
        expect(page.locator("#approve")).to_have_count(0)

    # Back to step 5: the staff see why, correct the value and submit again.
    with login("staff_y") as staff_y:
        staff_y.open_task(5, UNIT_Y)
        expect(staff_y.page.locator("#return-reason")).to_contain_text(reason)
        expect(staff_y.row("Y1")).to_contain_text(comment)
        expect_unit_row(staff_y, "Y1", *Y1_FIRST[1:])  # the value stays until corrected
        enter_values(staff_y, {"Y1": ("6,6", "Dokumen September sudah ditambahkan.")})
        expect_unit_row(staff_y, "Y1", *EXPECTED["Y1"])
        staff_y.submit("#complete-entry", "completing the corrected entry")
        staff_y.submit("#submit-recap", "submitting the corrected recap")

    # Steps 7–8: the unit heads validate and hand over; Bidang Y's head sees what changed.
    with login("kabid_y") as kabid_y:
        kabid_y.open_task(7, UNIT_Y)
        expect(kabid_y.page.locator("#changes tbody tr")).to_have_count(1)
        expect_unit_row(kabid_y, "Y1", *EXPECTED["Y1"])
        validate_and_hand_over(kabid_y, UNIT_Y)
    with login("kabid_x") as kabid_x:
        validate_and_hand_over(kabid_x, UNIT_X)
    with login("secretary") as secretary:
        validate_and_hand_over(secretary, UNIT_SEK)

    # Step 8: the Kasubbid Data acknowledges each unit's data.
    with login("kasubbid_data") as kasubbid:
        for unit in [UNIT_X, UNIT_Y, UNIT_SEK]:
            kasubbid.open_task(8, unit)
            kasubbid.submit("#acknowledge", f"acknowledging {unit}")
        kasubbid.my_tasks()
        expect(kasubbid.page.locator("#tasks a")).to_have_count(0)

    # Step 9: the data subsection's staff finalise the round, then read the agency recap.
    with login("staff_data") as staff_data:
        page = staff_data.page
        staff_data.open_task(9)
        expect(page).to_have_url(f"{round_url}#step-9")
        staff_data.submit("#form-finalise button[type=submit]", "finalising the round")
        expect(page.locator("#form-finalise")).to_have_count(0)
        expect(page.locator("main > p.text-muted").first).to_contain_text("Selesai")
        page.locator("#agency-recap-link").click()
        expect_agency_recap(page)

    # The head reads the same recap, reached from the rounds list.
    with login("head") as head:
        page = head.page
        page.locator('nav a[data-nav="rounds"]').click()
        page.locator(f'main table a[href="{round_url.removeprefix(head.base_url)}"]').click()
        page.locator("#agency-recap-link").click()
        expect_agency_recap(page)
        expect_recap_workbook(page)

        # Every step filed its documents, once the task worker has run the jobs the steps
        # queued; the head prints the agency recap as filed.
        run_pending_tasks()
        page.goto(round_url)
        # 1 + 2 + 3 + 2 round documents; steps 5–7 once more for Bidang Y after its return.
        expect(page.locator("#document-list tbody tr")).to_have_count(24)
        expect(page.locator("#lacking-hardcopy")).to_contain_text("langkah 9")
        href = page.locator('#print-buttons a[data-print="agency_recap"]').get_attribute("href")
        response = page.request.get(f"{head.base_url}{href}")
        assert response.headers["content-type"] == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
        assert "REKAPITULASI DATA KINERJA BADAN" in text and "DRAFT" not in text
        for code, (realisation, achievement, _category) in EXPECTED.items():
            assert realisation in text and achievement in text, code


def expect_recap_workbook(page: Page) -> None:
    with page.expect_download() as download_info:
        page.locator("#agency-recap-download").click()
    book = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    cells = [str(cell) for row in book.active.iter_rows(values_only=True) for cell in row
             if cell is not None]
    for code in EXPECTED:
        assert code in cells, code


def expect_agency_recap(page: Page) -> None:
    expect(page.locator("#completeness tbody tr")).to_have_count(3)
    expect(page.locator("#completeness tbody tr.table-success")).to_have_count(3)
    rows = page.locator("#agency-recap tr[data-indicator]")
    expect(rows).to_have_count(len(EXPECTED))
    for code, (realisation, achievement, category) in EXPECTED.items():
        row = page.locator(f'#agency-recap tr[data-indicator="{code}"]')
        cells = row.locator("td")
        expect(cells.nth(3), f"{code} target").to_have_text(TARGET)
        expect(cells.nth(4), f"{code} realisation").to_have_text(realisation)
        expect(row.locator("[data-achievement]"), f"{code} achievement").to_have_text(
            achievement)
        expect(row.locator("[data-category]"), f"{code} category").to_have_text(category)
