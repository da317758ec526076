"""The admin's number fields and the catalogue workbook read numbers exactly as data entry does
(issue 10): "12,85" is 12,85 (it was stored as 1285), and "12.500" is 12500 for an indicator
without decimals and refused, naming both readings, for any other (the importer read it as
12,5). The admin shows numbers the Indonesian way; the catalogue workbook carries the optional
plausible bounds."""

import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from kinerja.catalogue.exporter import catalogue_export
from kinerja.catalogue.forms import IndicatorForm
from kinerja.catalogue.importer import CellError, _number, _range
from kinerja.catalogue.models import Indicator, IndicatorYearTarget
from kinerja.catalogue.services import CatalogueFileError, catalogue_import
from kinerja.collection.models import CollectionSettings
from kinerja.collection.services.data_entry import parse_value
from kinerja.core.numbers import read_typed
from kinerja.organisation import admin_scope
from kinerja.organisation.setup import ensure_agency_admin_group
from kinerja.organisation.tests.factories import UserFactory

from .factories import edit_workbook, make_period, sample_workbook, sheet_values

pytestmark = pytest.mark.django_db

CATALOGUE_PERMISSIONS = {"renstraperiod": "avcd", "goal": "avcd", "objective": "avcd",
                         "indicator": "avcd", "indicatoryeartarget": "avcd"}
TEXTS = ["12,85", "12.500", "0.262", "1.234,5", "1.234.567", "12,5 %", "12e3", "1,234.5",
         "١٢٣", "-0", "1" * 41]


@pytest.fixture
def agency_admin(org, monkeypatch):
    monkeypatch.setitem(admin_scope.AGENCY_ADMIN_PERMISSIONS, "catalogue", CATALOGUE_PERMISSIONS)
    user = org.staff_secretariat.user
    user.is_staff = True
    user.save()
    user.groups.add(ensure_agency_admin_group())
    return user


@pytest.fixture
def period(org):
    own = make_period(org.agency)
    catalogue_import(agency=org.agency, period=own, file=sample_workbook(own))
    return own


def outcome(read, text):
    """("value", number) or ("refused", message)."""
    try:
        return "value", read(text)
    except (ValueError, CellError) as error:
        return "refused", str(error)
    except Exception as error:  # a Django ValidationError
        return "refused", " ".join(getattr(error, "messages", [str(error)]))


# -- the same reading as data entry ----------------------------------------------------------

@pytest.mark.parametrize("decimals", [0, 2, 4])
@pytest.mark.parametrize("text", TEXTS)
def test_the_admin_and_the_importer_read_as_data_entry(period, decimals, text):
    indicator = Indicator.objects.get(period=period, code="I2")  # a number, no negative rule
    indicator.decimals = decimals
    indicator.aggregation = "last"
    form = IndicatorForm(instance=indicator, data={"decimals": str(decimals)})
    field = form.fields["baseline"]

    def by_data_entry(typed):
        return parse_value(indicator, typed)

    def in_the_admin(typed):
        return field.clean(typed)

    def in_the_importer(typed):
        return _number((typed, "General"), decimals)

    def as_a_target(typed):
        return _range((typed, "General"), decimals)[0]

    entered = outcome(by_data_entry, text)
    if entered[1] == gettext("At most %(count)d decimals for this indicator.") % {
            "count": decimals}:
        # A check of a value, not a reading: a baseline or target may be finer than the
        # values (the model field allows four decimals).
        entered = outcome(lambda typed: read_typed(typed, decimals=decimals), text)
    for read in (in_the_admin, in_the_importer, as_a_target):
        found = outcome(read, text)
        if entered[0] == "value":
            assert found == entered, read.__name__
        else:
            # Refused alike; the importer and the model field add no reading of their own.
            assert found[0] == "refused", (read.__name__, found)
            if "12.500" in text or ("." in text and "," in text):
                assert entered[1] == found[1], read.__name__


def test_12_500_reads_by_the_indicators_decimals(period):
    assert outcome(lambda t: _number((t, "General"), 0), "12.500") == ("value", D(12500))
    kind, message = outcome(lambda t: _number((t, "General"), 2), "12.500")
    assert kind == "refused" and "12500" in message and "12,5" in message


# -- the admin -------------------------------------------------------------------------------

def _indicator_post(indicator, **changes) -> dict:
    targets = list(indicator.targets.order_by("year"))
    data = {"objective": indicator.objective_id, "code": indicator.code,
            "name": indicator.name, "unit_of_measure": indicator.unit_of_measure,
            "data_type": indicator.data_type, "decimals": indicator.decimals,
            "polarity": indicator.polarity, "aggregation": indicator.aggregation,
            "responsible_unit": indicator.responsible_unit_id, "baseline": "",
            "baseline_year": "2020", "minimum": "", "maximum": "", "order": indicator.order,
            "targets-TOTAL_FORMS": len(targets), "targets-INITIAL_FORMS": len(targets)}
    for index, target in enumerate(targets):
        data |= {f"targets-{index}-id": target.id, f"targets-{index}-indicator": indicator.id,
                 f"targets-{index}-year": target.year,
                 f"targets-{index}-renstra_target": str(target.renstra_target).replace(".",
                                                                                         ",")}
    return data | changes


def test_the_admin_reads_a_baseline_and_bounds_with_a_decimal_comma(client, agency_admin,
                                                                    period):
    indicator = Indicator.objects.get(period=period, code="I4")  # an index, 2 decimals
    client.force_login(agency_admin)
    url = reverse("admin:catalogue_indicator_change", args=[indicator.id])
    response = client.post(url, _indicator_post(indicator, baseline="12,85", minimum="0,5",
                                                maximum="1.000,5",
                                                **{"targets-0-q1_target": "70,25",
                                                   "targets-0-renstra_target": "77,5"}))
    assert response.status_code == 302, response.context and response.context["errors"]
    indicator.refresh_from_db()
    assert (indicator.baseline, indicator.minimum, indicator.maximum) == (
        D("12.85"), D("0.5"), D("1000.5"))
    target = indicator.targets.get(year=2021)
    assert (target.renstra_target, target.q1_target) == (D("77.5"), D("70.25"))

    page = client.get(url).content.decode()
    assert 'value="12,85"' in page and 'value="0,50"' in page and 'value="1.000,50"' in page
    assert 'value="77,50"' in page and 'value="70,25"' in page
    assert 'name="minimum"' in page and 'name="maximum"' in page


def test_the_admin_refuses_an_ambiguous_baseline_naming_both_readings(client, agency_admin,
                                                                      period):
    indicator = Indicator.objects.get(period=period, code="I4")
    client.force_login(agency_admin)
    url = reverse("admin:catalogue_indicator_change", args=[indicator.id])
    response = client.post(url, _indicator_post(indicator, baseline="12.500"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["baseline"]
    assert "12500" in errors[0] and "12,5" in errors[0]
    assert 'value="12.500"' in response.content.decode()  # as typed, beside its error
    indicator.refresh_from_db()
    assert indicator.baseline is None


def test_an_indicator_without_decimals_reads_12_500_as_the_whole_number(client, agency_admin,
                                                                        period):
    """With the decimals the same form saves: 2 → 0 and "12.500" in one post."""
    indicator = Indicator.objects.get(period=period, code="I4")
    client.force_login(agency_admin)
    url = reverse("admin:catalogue_indicator_change", args=[indicator.id])
    response = client.post(url, _indicator_post(indicator, decimals="0", baseline="12.500",
                                                **{"targets-0-pk_target": "12.500"}))
    assert response.status_code == 302, response.context and response.context["errors"]
    indicator.refresh_from_db()
    assert indicator.baseline == D(12500)
    assert indicator.targets.get(year=2021).pk_target == D(12500)
    assert 'value="12.500"' in client.get(url).content.decode()


def test_the_collection_settings_read_indonesian_numbers(client, org):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    settings_ = CollectionSettings.objects.create(agency=org.agency)
    url = reverse("admin:collection_collectionsettings_change", args=[settings_.id])
    data = {"agency": org.agency.id, "explain_below_achievement": "87,5",
            "explain_change_above": "50", "max_evidence_megabytes": "5",
            "outlier_factor": "12,5"}
    assert client.post(url, data).status_code == 302
    settings_.refresh_from_db()
    assert (settings_.explain_below_achievement, settings_.outlier_factor) == (
        D("87.5"), D("12.5"))
    page = client.get(url).content.decode()
    assert 'value="87,5"' in page and 'value="12,5"' in page
    response = client.post(url, data | {"outlier_factor": "1.500"})
    assert response.status_code == 200
    message = " ".join(response.context["adminform"].form.errors["outlier_factor"])
    assert "1500" in message and "1,5" in message


# -- the catalogue workbook ------------------------------------------------------------------

def test_the_importer_reads_text_cells_as_data_entry(org, period):
    """I1 is a percent with 2 decimals, I2 a count without decimals (rows 2 and 3)."""
    data = edit_workbook(catalogue_export(period), {"M2": "12,85", "P3": "12.500",
                                                     "M3": "1.234", "N3": 2020})
    catalogue_import(agency=org.agency, period=period, file=data)
    assert Indicator.objects.get(code="I1").baseline == D("12.85")
    i2 = Indicator.objects.get(code="I2")
    assert i2.baseline == D(1234)
    assert IndicatorYearTarget.objects.get(indicator=i2, year=2021).renstra_target == D(12500)


def test_the_importer_refuses_an_ambiguous_number_with_both_readings(org, period):
    data = edit_workbook(catalogue_export(period), {"M2": "12.500"})
    with pytest.raises(CatalogueFileError) as refused:
        catalogue_import(agency=org.agency, period=period, file=data)
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (2, "M")
    assert "12500" in problem.message and "12,5" in problem.message


def test_the_plausible_bounds_go_out_and_come_back(org, period):
    i4 = Indicator.objects.get(period=period, code="I4")
    i4.minimum, i4.maximum = D("50"), D("100.5")
    i4.save()
    exported = catalogue_export(period)
    header = sheet_values(exported)[0]
    assert header[-2:] == ["Nilai Terendah Wajar", "Nilai Tertinggi Wajar"]
    assert sheet_values(exported)[4][-2:] == [50, 100.5]
    i4.minimum = i4.maximum = None
    i4.save()
    catalogue_import(agency=org.agency, period=period, file=exported)
    i4.refresh_from_db()
    assert (i4.minimum, i4.maximum) == (D(50), D("100.5"))
    # Typed as text, Indonesian; and an empty cell clears the bound.
    min_column = len(header) - 1
    low, high = get_column_letter(min_column), get_column_letter(min_column + 1)
    catalogue_import(agency=org.agency, period=period,
                     file=edit_workbook(exported, {f"{low}5": "60,5", f"{high}5": None}))
    i4.refresh_from_db()
    assert (i4.minimum, i4.maximum) == (D("60.5"), None)


def test_a_workbook_without_the_bounds_columns_keeps_the_bounds(org, period):
    i4 = Indicator.objects.get(period=period, code="I4")
    i4.minimum, i4.maximum = D("50"), D("100")
    i4.save()
    exported = catalogue_export(period)
    header = sheet_values(exported)[0]
    book = load_workbook(io.BytesIO(exported))
    book["Katalog"].delete_cols(len(header) - 1, 2)  # an older workbook: no such columns
    output = io.BytesIO()
    book.save(output)
    result = catalogue_import(agency=org.agency, period=period, file=output.getvalue())
    assert not result.changed
    i4.refresh_from_db()
    assert (i4.minimum, i4.maximum) == (D(50), D(100))


def test_a_bound_outside_a_percentage_is_refused(org, period):
    exported = catalogue_export(period)
    header = sheet_values(exported)[0]
    high = get_column_letter(len(header))
    with pytest.raises(CatalogueFileError) as refused:
        catalogue_import(agency=org.agency, period=period,
                         file=edit_workbook(exported, {f"{high}2": 120}))  # I1 is a percent
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, high)]
