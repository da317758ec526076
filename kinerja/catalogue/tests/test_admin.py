"""The catalogue in the admin: scoped to the administrator's agency, with the Excel import,
export and template."""

import io
from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kinerja.catalogue.models import Indicator
from kinerja.catalogue.services import catalogue_import
from kinerja.organisation import admin_scope
from kinerja.organisation.setup import ensure_agency_admin_group
from kinerja.organisation.tests.factories import UnitFactory, UserFactory

from .factories import edit_workbook, make_period, sample_rows, sample_workbook, snapshot

pytestmark = pytest.mark.django_db

# The entries the lead adds to AGENCY_ADMIN_PERMISSIONS (kinerja/organisation/admin_scope.py).
CATALOGUE_PERMISSIONS = {"renstraperiod": "avcd", "goal": "avcd", "objective": "avcd",
                         "indicator": "avcd", "indicatoryeartarget": "avcd"}


@pytest.fixture
def agency_admin(org, monkeypatch):
    monkeypatch.setitem(admin_scope.AGENCY_ADMIN_PERMISSIONS, "catalogue", CATALOGUE_PERMISSIONS)
    user = org.staff_secretariat.user
    user.is_staff = True
    user.save()
    user.groups.add(ensure_agency_admin_group())
    return user


@pytest.fixture
def periods(org):
    own, other = make_period(org.agency), make_period(org.other_agency)
    catalogue_import(agency=org.agency, period=own, file=sample_workbook(own))
    return own, other


def upload(data: bytes, name: str = "katalog.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_admin_sees_only_their_agencys_catalogue(client, org, agency_admin, periods):
    own, other = periods
    client.force_login(agency_admin)
    listing = client.get(reverse("admin:catalogue_renstraperiod_changelist"))
    assert listing.status_code == 200
    assert set(listing.context["cl"].queryset) == {own}
    indicators = client.get(reverse("admin:catalogue_indicator_changelist"))
    assert set(indicators.context["cl"].queryset) == set(Indicator.objects.filter(period=own))
    assert client.get(reverse("admin:catalogue_renstraperiod_change",
                              args=[other.id])).status_code == 302


def test_indicator_form_offers_only_own_reporting_units_and_objectives(client, org,
                                                                       agency_admin, periods):
    own, _other = periods
    client.force_login(agency_admin)
    indicator = Indicator.objects.get(period=own, code="I1")
    response = client.get(reverse("admin:catalogue_indicator_change", args=[indicator.id]))
    form = response.context["adminform"].form
    assert set(form.fields["responsible_unit"].queryset) == {
        org.secretariat, org.division_x, org.division_y}
    assert all(objective.goal.period == own for objective in form.fields["objective"].queryset)
    assert "period" not in form.fields


def test_indicator_edit_with_its_targets(client, org, agency_admin, periods):
    own, _other = periods
    client.force_login(agency_admin)
    indicator = Indicator.objects.get(period=own, code="I4")
    targets = list(indicator.targets.order_by("year"))
    data = {"objective": indicator.objective_id, "code": "I4", "name": "Indeks kepuasan",
            "unit_of_measure": "indeks", "data_type": "index", "decimals": 2,
            "polarity": "positive", "aggregation": "average",
            "responsible_unit": org.secretariat.id, "baseline": "", "baseline_year": "",
            "order": 4, "targets-TOTAL_FORMS": len(targets),
            "targets-INITIAL_FORMS": len(targets)}
    for index, target in enumerate(targets):
        data |= {f"targets-{index}-id": target.id, f"targets-{index}-indicator": indicator.id,
                 f"targets-{index}-year": target.year,
                 f"targets-{index}-renstra_target": str(target.renstra_target)}
    data["targets-0-q1_target"] = "70"
    response = client.post(reverse("admin:catalogue_indicator_change", args=[indicator.id]),
                           data)
    assert response.status_code == 302, response.context and response.context["errors"]
    indicator.refresh_from_db()
    assert indicator.name == "Indeks kepuasan"
    assert indicator.targets.get(year=2021).q1_target == 70


def test_import_page_shows_every_problem_with_row_and_column(client, org, agency_admin,
                                                             periods):
    own, _other = periods
    client.force_login(agency_admin)
    before = snapshot(own)
    bad = edit_workbook(sample_workbook(own), {"J2": "naik", "L3": "bidang-z"})
    client.cookies["kinerja_language"] = "en"
    response = client.post(reverse("admin:catalogue_renstraperiod_import"),
                           {"period": own.id, "file": upload(bad)})
    assert response.status_code == 200
    problems = response.context["problems"]
    assert [(p.row, p.column) for p in problems] == [(2, "J"), (3, "L")]
    page = response.content.decode()
    assert 'id="import-problems"' in page and "J (Polaritas)" in page
    assert "This agency has no unit with the code “bidang-z”" in page
    assert snapshot(own) == before


def test_import_page_imports_a_good_file(client, org, agency_admin, periods):
    own, _other = periods
    client.force_login(agency_admin)
    changed = edit_workbook(sample_workbook(own), {"F2": "Nama baru"})
    response = client.post(reverse("admin:catalogue_renstraperiod_import"),
                           {"period": own.id, "file": upload(changed)})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?period__id__exact={own.id}")
    assert Indicator.objects.get(period=own, code="I1").name == "Nama baru"


def test_import_page_refuses_a_file_that_is_not_xlsx(client, org, agency_admin, periods):
    own, _other = periods
    client.force_login(agency_admin)
    response = client.post(reverse("admin:catalogue_renstraperiod_import"),
                           {"period": own.id, "file": upload(b"a;b\n1;2\n", "katalog.csv")})
    assert response.status_code == 200
    assert len(response.context["problems"]) == 1


def test_import_into_another_agencys_period_is_not_offered(client, org, agency_admin, periods):
    _own, other = periods
    client.force_login(agency_admin)
    response = client.post(reverse("admin:catalogue_renstraperiod_import"),
                           {"period": other.id, "file": upload(sample_workbook(other))})
    assert response.status_code == 200
    assert "period" in response.context["form"].errors
    assert not Indicator.objects.filter(period=other).exists()


def test_export_and_template_downloads(client, org, agency_admin, periods):
    own, other = periods
    client.force_login(agency_admin)
    export = client.get(reverse("admin:catalogue_renstraperiod_export", args=[own.id]))
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "katalog-agency-a-2021-2026.xlsx" in export["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(export.content))["Katalog"]
    assert sheet.max_row == 5
    template = client.get(reverse("admin:catalogue_renstraperiod_template", args=[own.id]))
    assert template.status_code == 200
    assert client.get(reverse("admin:catalogue_renstraperiod_export",
                              args=[other.id])).status_code == 404
    page = client.get(reverse("admin:catalogue_renstraperiod_change", args=[own.id]))
    assert reverse("admin:catalogue_renstraperiod_export", args=[own.id]) in page.content.decode()


def test_superuser_may_import_into_any_agency(client, org, periods):
    _own, other = periods
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(reverse("admin:catalogue_renstraperiod_import")).status_code == 200
    other_unit_codes = {"sek": "secretariat", "bidang-x": "division", "bidang-y": "division"}
    for code, kind in other_unit_codes.items():
        UnitFactory(agency=org.other_agency, kind=kind, parent=org.other_root, code=code)
    response = client.post(reverse("admin:catalogue_renstraperiod_import"),
                           {"period": other.id, "file": upload(sample_workbook(other))})
    assert response.status_code == 302
    assert Indicator.objects.filter(period=other).count() == 4


def test_people_without_the_admin_role_get_no_import(client, org, periods):
    user = org.staff_x.user
    user.is_staff = True
    user.save()
    client.force_login(user)
    response = client.get(reverse("admin:catalogue_renstraperiod_import"))
    assert response.status_code == 302


def new_indicator_data(objective, unit, year: int) -> dict:
    return {"objective": objective.id, "code": "I9", "name": "Persentase baru",
            "unit_of_measure": "%", "data_type": "percent", "decimals": 2,
            "polarity": "positive", "aggregation": "last", "responsible_unit": unit.id,
            "baseline": "", "baseline_year": "", "order": 9,
            "targets-TOTAL_FORMS": 1, "targets-INITIAL_FORMS": 0,
            "targets-0-year": year, "targets-0-renstra_target": "90"}


def test_a_new_indicator_and_its_targets_are_checked_before_saving(client, org, agency_admin,
                                                                   periods):
    own, _other = periods
    client.force_login(agency_admin)
    objective = Indicator.objects.get(period=own, code="I1").objective
    add = reverse("admin:catalogue_indicator_add")
    refused = client.post(add, new_indicator_data(objective, org.division_y, 2030))
    assert refused.status_code == 200
    formset = refused.context["inline_admin_formsets"][0].formset
    assert "year" in formset.errors[0]
    assert not Indicator.objects.filter(code="I9").exists()
    response = client.post(add, new_indicator_data(objective, org.division_y, 2025))
    assert response.status_code == 302
    created = Indicator.objects.get(code="I9")
    assert created.period == own and created.targets.get().year == 2025


def test_indicator_list_query_count_does_not_grow(client, org, agency_admin, periods,
                                                  django_assert_max_num_queries):
    own, _other = periods
    client.force_login(agency_admin)
    url = reverse("admin:catalogue_indicator_changelist")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    more = [replace(row, code=f"{row.code}-{n}") for n in range(5) for row in sample_rows()]
    catalogue_import(agency=org.agency, period=own, file=sample_workbook(own, more))
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
