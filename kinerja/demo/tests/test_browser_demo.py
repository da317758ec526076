"""The demo, walked through in a real Chromium: every demo account logs in, finds the SOP and
reads it, in Indonesian and in English.

Run alone: pytest kinerja/demo/tests/test_browser_demo.py (add -n 2 to share the accounts
between two workers; each worker has its own browser, live server and database).
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation
from playwright.sync_api import Page, expect

from kinerja.demo.data import DEMO_AGENCIES
from kinerja.organisation.nip import format_nip
from kinerja.sops.models import Sop

pytestmark = pytest.mark.browser

# Every demo log-in, read from the demo data without a database (a person holding a second
# post appears twice there and once here); test_every_demo_account_is_walked_through checks
# that this is exactly what demo_accounts() returns.
USERNAMES = list(dict.fromkeys(row[0] for spec in DEMO_AGENCIES for row in spec["people"]))

SOP_TITLE = "Mekanisme Pengumpulan Data Kinerja"
STEP_1 = "Perintah untuk melakukan pengumpulan data kinerja"
STEP_9 = ("Jabatan Pelaksana Melakukan rekapitulasi data kinerja Badan sebagai bahan "
          "penyusunan laporan")
APPROVER = "MOH. RAMLI TONGKO, S.Sos, ST., M.Si"

# The page's labels, Indonesian first (the office default) then English.
LABELS = {
    "my_tasks": ("Tugas saya", "My tasks"),
    "identity": ("Identitas", "Identity"),
    "procedure": ("Prosedur", "Procedure"),
    "required_inputs": ("Kelengkapan", "Required inputs"),
    "quality_standard": ("Mutu baku", "Quality standard"),
}
# The rows of #sop-identity in order: (Indonesian label, English label). The Indonesian
# label is checked only where it has been agreed; the others must merely not be empty.
IDENTITY_LABELS = [
    (None, "Government"),
    (None, "Agency"),
    ("Nomor SOP", "SOP number"),
    (None, "Date made"),
    (None, "Date revised"),
    (None, "Date effective"),
    ("Disahkan oleh", "Approved by"),
    (None, "SOP title"),
    ("Dasar hukum", "Legal basis"),
    (None, "Executor qualifications"),
    (None, "Related SOPs"),
    (None, "Equipment"),
    (None, "Warning"),
    (None, "Recording and data keeping"),
]
DATE_MADE = {"id": "5 Februari 2020", "en": "5 February 2020"}

# One round trip: every identity row as {label, text, strong, items}.
READ_IDENTITY = """table => Array.from(table.tBodies[0].rows, row => ({
    label: row.cells[0].innerText.trim(),
    text: row.cells[1].innerText.replace(/\\s+/g, " ").trim(),
    strong: Array.from(row.cells[1].querySelectorAll("strong"), s => s.innerText.trim()),
    items: Array.from(row.cells[1].querySelectorAll("li"), li => li.innerText.trim()),
}))"""


def _identity(page: Page) -> list[dict]:
    rows = page.locator("#sop-identity").evaluate(READ_IDENTITY)
    assert len(rows) == len(IDENTITY_LABELS), [row["label"] for row in rows]
    return rows


def _check_identity_values(rows: list[dict], language: str) -> None:
    (government, agency, number, made, revised, effective, approved, title, legal_basis,
     qualifications, related, equipment, warning, recording) = rows
    assert government["text"] == "Pemerintah Kabupaten Banggai"
    assert agency["text"] == ("Badan Perencanaan Pembangunan, Penelitian dan Pengembangan "
                              "Daerah Kab. Banggai")
    assert number["text"] == "207/050/01/Bappeda & Litbang"
    assert made["text"] == DATE_MADE[language]
    assert revised["text"] == "—"  # empty in the source document
    assert effective["text"] == "—"
    assert approved["strong"] == [APPROVER]
    assert "Kepala Bappeda & Litbang Kabupaten Banggai" in approved["text"]
    assert "Pembina Utama Muda, IV/c" in approved["text"]
    assert f"NIP. {format_nip('196908151998031008')}" in approved["text"]
    assert title["text"] == SOP_TITLE
    assert len(legal_basis["items"]) == 6
    assert legal_basis["items"][0].startswith("PP No. 79 Tahun 2005")
    assert legal_basis["items"][-1].startswith("Peraturan Bupati Banggai No. 31 Tahun 2017")
    assert len(qualifications["items"]) == 4
    assert qualifications["items"][0] == "Memahami peraturan perundangan yang terkait"
    assert related["items"] == ["SOP Pelaksanaan Pengawasan Internal Secara Berkala",
                                "SOP Tindak Lanjut Hasil Pemeriksaan",
                                "SOP Evaluasi Berkala Temuan Hasil Pengawasan"]
    assert len(equipment["items"]) == 6
    assert "Komputer/laptop" in equipment["items"]
    assert warning["items"] == ["Apabila pengumpulan data kinerja tidak terselesaikan dengan "
                                "baik dan pelaporan akan terhambat"]
    assert recording["items"] == ["Kepala OPD: Lembar disposisi/arahan, tanda tangan",
                                  "Sekretaris OPD: Lembar disposisi, paraf",
                                  "Kasubag Perencanaan: Lembar disposisi, paraf"]
    assert recording["text"].endswith("Setiap tahap terdokumentasi dengan baik dalam bentuk "
                                      "softcopy maupun hardcopy")


def _check_sop_page(page: Page, language: str) -> None:
    """The SOP page, in the language given ("id" or "en")."""
    index = 0 if language == "id" else 1
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1)).to_have_text(SOP_TITLE)
    for key in ("identity", "procedure"):
        expect(page.get_by_role("heading", name=LABELS[key][index], exact=True)).to_be_visible()
    header = page.locator("#sop-steps thead th")
    for key in ("quality_standard", "required_inputs"):
        expect(header.filter(has_text=re.compile(rf"^\s*{LABELS[key][index]}\s*$"))).to_have_count(1)

    rows = _identity(page)
    for row, (indonesian, english) in zip(rows, IDENTITY_LABELS, strict=True):
        wanted = english if language == "en" else indonesian
        if wanted is None:
            assert row["label"], f"empty identity label (English: {english})"
        else:
            assert row["label"] == wanted, f"identity label {row['label']!r}, not {wanted!r}"
    _check_identity_values(rows, language)

    steps = page.locator("#sop-steps tbody tr[data-step]")
    expect(steps).to_have_count(9)
    expect(steps.first).to_have_attribute("data-step", "1")
    expect(steps.last).to_have_attribute("data-step", "9")
    expect(steps.first.locator("td").nth(1)).to_contain_text(STEP_1)
    expect(steps.last.locator("td").nth(1)).to_contain_text(STEP_9)
    expect(page.locator("#sop-worksheet")).to_be_visible()


def _open(new_context, site, **context_args) -> tuple[Page, list[str]]:
    """A page in a fresh browser context (no cookies), and the list its problems go to:
    failed requests, console errors, uncaught script errors."""
    page = new_context(base_url=site.url, **context_args).new_page()
    problems: list[str] = []
    page.on("response", lambda response: response.status >= 400 and problems.append(
        f"{response.status} {response.request.method} {response.url}"))
    page.on("requestfailed", lambda request: problems.append(
        f"failed {request.method} {request.url}: {request.failure}"))
    # "Failed to load resource" repeats a failed response, which is counted above; the
    # browser's own /favicon.ico request (no page asks for one) only ever shows up here.
    page.on("console", lambda message: message.type == "error" and not message.text.startswith(
        "Failed to load resource") and problems.append(f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    return page, problems


def _log_in(page: Page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form:has(#id_password) [type=submit]").click()


def _switch_language(page: Page, language: str) -> None:
    page.locator(f'footer button[data-language="{language}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", language)


def test_every_demo_account_is_walked_through(demo):
    assert list(demo) == USERNAMES
    assert len(USERNAMES) == 32


@pytest.mark.parametrize("username", USERNAMES)
def test_demo_account_reads_the_sop(demo, site, new_context, username):
    account = demo[username]
    # An English browser: the pages must still open in Indonesian, the office default.
    page, problems = _open(new_context, site, locale="en-US")

    _log_in(page, account.username, account.password)
    expect(page).to_have_url(f"{site.url}/tasks/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text(LABELS["my_tasks"][0])
    expect(page.locator("#user-menu")).to_have_text(account.name)
    expect(page.locator("#my-roles li")).to_have_count(len(account.position.split("; ")))

    page.locator('a[data-nav="sops"]').click()
    expect(page).to_have_url(f"{site.url}/sops/")
    page.get_by_role("link", name=SOP_TITLE, exact=True).click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(site.url)}/sops/\d+/$"))
    sop_url = page.url
    _check_sop_page(page, "id")

    _switch_language(page, "en")
    expect(page).to_have_url(sop_url)
    _check_sop_page(page, "en")
    assert get_user_model().objects.get(username=username).language == "en"

    _switch_language(page, "id")
    expect(page).to_have_url(sop_url)
    _check_sop_page(page, "id")
    assert get_user_model().objects.get(username=username).language == "id"
    assert problems == []


def test_language_choice_follows_the_user_to_another_browser(demo, site, new_context):
    account = demo["staf.data1"]
    first, _ = _open(new_context, site)
    _log_in(first, account.username, account.password)
    expect(first.get_by_role("heading", level=1)).to_have_text(LABELS["my_tasks"][0])
    _switch_language(first, "en")
    expect(first.get_by_role("heading", level=1)).to_have_text(LABELS["my_tasks"][1])

    # No language cookie here: the English comes from the user's saved preference.
    second, _ = _open(new_context, site, locale="id-ID")
    _log_in(second, account.username, account.password)
    expect(second).to_have_url(f"{site.url}/tasks/")
    expect(second.get_by_role("heading", level=1)).to_have_text(LABELS["my_tasks"][1])
    _switch_language(second, "id")
    expect(second.get_by_role("heading", level=1)).to_have_text(LABELS["my_tasks"][0])
    assert get_user_model().objects.get(username=account.username).language == "id"


def test_wrong_password_shows_the_error_and_stays_on_log_in(demo, site, new_context):
    account = demo["staf.data1"]
    page, problems = _open(new_context, site)
    _log_in(page, account.username, account.password + "-wrong")

    expect(page).to_have_url(f"{site.url}/accounts/login/")
    username_label = get_user_model()._meta.get_field("username").verbose_name
    with translation.override("id"):
        message = AuthenticationForm.error_messages["invalid_login"] % {
            "username": username_label}
    expect(page.locator(".alert-danger")).to_have_text(message)
    expect(page.locator("#id_username")).to_have_value(account.username)
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("#user-menu")).to_have_count(0)
    assert problems == []

    page.goto("/tasks/")  # still signed out
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/tasks/$"))


def test_other_agency_cannot_open_the_bappeda_sop(demo, site, new_context):
    account = demo["kominfo.staf1"]
    assert account.agency == "Diskominfo"
    bappeda_sop = Sop.objects.get(agency__code="bappeda-banggai")
    own_sop = Sop.objects.get(agency__code="diskominfo-banggai")
    page, _ = _open(new_context, site)
    _log_in(page, account.username, account.password)
    expect(page).to_have_url(f"{site.url}/tasks/")

    # The account's own agency's SOP opens, so the refusal below is not a broken URL.
    response = page.goto(f"/sops/{own_sop.id}/")
    assert response is not None and response.status == 200
    expect(page.locator("tr[data-step]")).to_have_count(9)

    response = page.goto(f"/sops/{bappeda_sop.id}/")
    assert response is not None and response.status == 404
    expect(page.locator("#sop-identity")).to_have_count(0)
    expect(page.locator("tr[data-step]")).to_have_count(0)
    expect(page.locator("#user-menu")).to_have_text(account.name)  # still signed in

    # Nor does the SOP list show the other agency's copy.
    page.goto("/sops/")
    expect(page.locator(f'a[href="/sops/{bappeda_sop.id}/"]')).to_have_count(0)
    expect(page.locator(f'a[href="/sops/{own_sop.id}/"]')).to_have_count(1)
