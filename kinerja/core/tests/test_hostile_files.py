"""Small files that stand for huge ones, each through its real way in, in a child process whose
memory may grow by 512 MB at most (resource.setrlimit): the answer must be a refusal that names
the limit, not a MemoryError, a killed process or a 500.

- a unit workbook that inflates to 200 MB of cells (web upload and service);
- a catalogue workbook that declares the dimension A1:XFD5000 (service and admin import);
- SOP files: the billion laughs, an alias cycle, 5,000 levels of nesting (service, loadsop,
  admin upload).
"""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from kinerja.catalogue.services import CatalogueFileError, catalogue_import
from kinerja.catalogue.tests.factories import make_period, sample_workbook
from kinerja.catalogue.tests.test_admin import CATALOGUE_PERMISSIONS
from kinerja.collection import excel
from kinerja.collection.models import IndicatorValue
from kinerja.core import limits
from kinerja.organisation import admin_scope
from kinerja.organisation.setup import ensure_agency_admin_group
from kinerja.sops.loader import SopFileError
from kinerja.sops.models import Sop
from kinerja.sops.services import sop_load

from .hostile import (
    ALIAS_CYCLE,
    BILLION_LAUGHS,
    DEEP_NESTING,
    declaring_workbook,
    inflating_workbook,
    under_memory_limit,
)

# A forked child inherits the in-memory SQLite database but not the threads of the live
# servers that other tests leave on this worker; a lock such a thread held stays held in the
# child. `make test` runs these tests in a pytest of their own.
pytestmark = [pytest.mark.django_db, pytest.mark.own_process, pytest.mark.sqlite]

INFLATES = "inflates to more than 20 MB when unpacked"
DECLARES = "declares the range A1:XFD5000"


def refused(outcome):
    """The refusal's text; fails on anything else (a MemoryError above all)."""
    kind, answer = outcome
    assert kind == "ok", f"{kind}: {answer}"
    return answer


def test_the_file_is_small_and_its_content_huge():
    import io
    import zipfile

    content = inflating_workbook()
    assert len(content) < limits.UNIT_WORKBOOK.max_bytes
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sum(entry.file_size for entry in archive.infolist()) > 200 * 1024 * 1024


# --- the unit's workbook --------------------------------------------------------------------

@pytest.fixture
def track(org, entry_round, catalogue):
    return entry_round.tracks.get(unit=org.division_x)


def test_an_inflating_workbook_uploaded_on_the_unit_page_is_refused(client, org, track):
    client.force_login(org.staff_x.user)
    url = reverse("collection:track_action", args=[track.round_id, track.id, "upload"])
    content = inflating_workbook()

    def post():
        with translation.override("en"):
            client.cookies["kinerja_language"] = "en"
            response = client.post(url, {"file": SimpleUploadedFile("format.xlsx", content)})
            return response.status_code, [str(m) for m in get_messages(response.wsgi_request)]

    status, messages = refused(under_memory_limit(post))
    assert status == 400
    assert messages == [f"The workbook {INFLATES}, the limit for this upload."]
    assert not IndicatorValue.objects.exists()


def test_an_inflating_workbook_is_refused_by_the_service(org, track):
    content = inflating_workbook()

    def upload():
        with translation.override("en"):
            try:
                excel.values_upload(user=org.staff_x.user, track=track, content=content)
            except excel.WorkbookError as error:
                return error.details
            return None

    assert INFLATES in refused(under_memory_limit(upload))[0]


# --- the catalogue --------------------------------------------------------------------------

def catalogue_declaring_a_huge_sheet(period) -> bytes:
    content = declaring_workbook(sample_workbook(period), "xl/worksheets/sheet1.xml",
                                 "A1:XFD5000")
    assert len(content) < 30 * 1024
    return content


def test_a_catalogue_declaring_a_huge_sheet_is_refused_by_the_service(org):
    period = make_period(org.agency)
    content = catalogue_declaring_a_huge_sheet(period)

    def run():
        with translation.override("en"):
            try:
                catalogue_import(agency=org.agency, period=period, file=content)
            except CatalogueFileError as error:
                return [str(problem) for problem in error.problems]
            return None

    (problem,) = refused(under_memory_limit(run))
    assert problem.startswith(f"Sheet “Katalog” {DECLARES} (5.000 rows, 16.384 columns)")


def test_a_catalogue_declaring_a_huge_sheet_is_refused_by_the_admin(client, org, monkeypatch):
    monkeypatch.setitem(admin_scope.AGENCY_ADMIN_PERMISSIONS, "catalogue",
                        CATALOGUE_PERMISSIONS)
    user = org.staff_secretariat.user
    user.is_staff = True
    user.save()
    user.groups.add(ensure_agency_admin_group())
    period = make_period(org.agency)
    content = catalogue_declaring_a_huge_sheet(period)
    client.force_login(user)
    client.cookies["kinerja_language"] = "en"

    def post():
        response = client.post(reverse("admin:catalogue_renstraperiod_import"), {
            "period": period.id, "file": SimpleUploadedFile("katalog.xlsx", content)})
        return response.status_code, [str(p) for p in response.context["problems"]]

    status, problems = refused(under_memory_limit(post))
    assert status == 200
    assert len(problems) == 1 and DECLARES in problems[0]


# --- SOP files ------------------------------------------------------------------------------

HOSTILE_SOPS = {
    "billion laughs": (BILLION_LAUGHS, f"more than {limits.SOP_YAML_MAX_ALIASES} aliases"),
    "alias cycle": (ALIAS_CYCLE, "(an alias cycle)"),
    "deep nesting": (DEEP_NESTING, f"nested deeper than {limits.SOP_YAML_MAX_DEPTH} levels"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_SOPS))
def test_a_hostile_sop_file_is_refused_by_the_service(org, case):
    text, expected = HOSTILE_SOPS[case]

    def run():
        try:
            with translation.override("en"):
                sop_load(agency=org.agency, text=text)
        except SopFileError as error:
            return [str(problem) for problem in error.problems]
        return None

    (problem,) = refused(under_memory_limit(run))
    assert expected in problem
    assert not Sop.objects.exists()


@pytest.mark.parametrize("case", sorted(HOSTILE_SOPS))
def test_a_hostile_sop_file_is_refused_by_loadsop(org, case, tmp_path):
    text, expected = HOSTILE_SOPS[case]
    path = tmp_path / "hostile.yaml"
    path.write_text(text)

    def run():
        try:
            with translation.override("en"):
                call_command("loadsop", str(path), agency=org.agency.code)
        except CommandError as error:
            return str(error)
        return None

    message = refused(under_memory_limit(run))
    assert message.startswith(f"{path} was not loaded:\n  hostile.yaml, line ")
    assert expected in message
    assert not Sop.objects.exists()


def test_the_billion_laughs_is_refused_by_the_admin_upload(client, org, agency_admin):
    client.force_login(agency_admin)
    client.cookies["kinerja_language"] = "en"

    def post():
        response = client.post(reverse("admin:sops_sop_load"), {
            "agency": org.agency.id,
            "file": SimpleUploadedFile("sop.yaml", BILLION_LAUGHS.encode())})
        return response.status_code, list(response.context["problems"])

    status, problems = refused(under_memory_limit(post))
    assert status == 200
    assert len(problems) == 1 and HOSTILE_SOPS["billion laughs"][1] in problems[0]
    assert not Sop.objects.exists()
