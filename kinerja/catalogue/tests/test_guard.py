"""The guarded catalogue (kinerja/catalogue/guard.py, issue 11): in the admin and in the
catalogue import, deleting or changing a target, a polarity, a year value or a data type, or
lowering the decimals below a stored value's, is refused where a finalised round or stored
values depend on it, naming the indicator and the round, unless a reason is given; with the
reason it goes through as exactly one audit event with the reason and the old and new values.

`finalised_round` (kinerja/conftest.py) is Triwulan III 2026, finalised, with X1 and X2 of
Bidang X (values 8 and 12), Y1 of Bidang Y (5) and S1 of the Sekretariat (10); each has a 2026
Renstra target of 10, 2 decimals, polarity positive, year value "last", data type number.
"""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse
from openpyxl.utils import get_column_letter

from kinerja.catalogue import guard
from kinerja.catalogue.exporter import catalogue_export
from kinerja.catalogue.models import Goal, Indicator, IndicatorYearTarget, Objective
from kinerja.catalogue.services import CatalogueFileError, catalogue_import
from kinerja.collection.models import (
    DataRequestFormat,
    FormatItem,
    IndicatorValue,
    Round,
    RoundStatus,
)
from kinerja.core.models import AuditEvent
from kinerja.core.numbers import input_text

from .factories import edit_workbook, sheet_values, snapshot

# Every test starts from the finalised round: built once for the module (kinerja/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.built_once("finalised_round")]

REASON = "Koreksi target sesuai Perjanjian Kinerja perubahan"


@pytest.fixture
def x1(finalised_round, catalogue):
    # The orders an import gives (row by row from 1), so that the export imports unchanged.
    Goal.objects.filter(period=catalogue[0].period).update(order=1)
    Objective.objects.filter(goal__period=catalogue[0].period).update(order=1)
    for order, indicator in enumerate(catalogue, start=1):
        Indicator.objects.filter(pk=indicator.pk).update(order=order)
    return Indicator.objects.get(pk=catalogue[0].pk)


@pytest.fixture
def free_indicator(x1):
    """Z1: an indicator of the same period that no round uses and that has no value."""
    indicator = Indicator.objects.create(
        period=x1.period, objective=x1.objective, code="Z1", name="Indikator Z1",
        unit_of_measure="dokumen", responsible_unit=x1.responsible_unit, order=5)
    IndicatorYearTarget.objects.create(indicator=indicator, year=2026, renstra_target=D(4))
    return indicator


def events_of(obj) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower,
                                          object_id=str(obj.pk)).order_by("id"))


def names(message: str, indicator: Indicator, round_: Round) -> bool:
    """The refusal names the indicator's code and the round ("Triwulan III 2026")."""
    return indicator.code in message and str(round_) in message


# --- the rules, without a page ---------------------------------------------------------------

def test_the_rules_name_indicator_and_round_and_step_aside_for_a_reason(x1, finalised_round):
    target = x1.targets.get(year=2026)
    problems = guard.check_target_change(target, None, indicator=x1, year=2026)
    assert len(problems) == 1 and names(problems[0], x1, finalised_round)
    changed = {**guard.target_values(target), "pk_target": D(11)}
    assert names(guard.check_target_change(target, changed, indicator=x1, year=2026)[0],
                 x1, finalised_round)
    assert guard.check_target_change(target, None, indicator=x1, year=2026,
                                     reason=REASON) == []
    # Another year: no finalised round of 2025 uses it.
    assert guard.check_target_change(None, {"renstra_target": D(9)}, indicator=x1,
                                     year=2025) == []
    before = {"polarity": "positive", "aggregation": "last", "data_type": "number",
              "decimals": 2}
    for name, value in (("polarity", "negative"), ("aggregation", "sum"),
                        ("data_type", "percent")):
        problems = guard.check_indicator_change(before, {**before, name: value}, indicator=x1)
        assert len(problems) == 1 and names(problems[0], x1, finalised_round)
        assert guard.check_indicator_change(before, {**before, name: value}, indicator=x1,
                                            reason=REASON) == []
    # 8 needs no decimals: lowering them to 0 is no problem.
    assert guard.check_indicator_change(before, {**before, "decimals": 0}, indicator=x1) == []
    with pytest.raises(guard.CatalogueChangeRefused) as refused:
        guard.raise_if_refused(problems)
    assert refused.value.problems == problems


def test_only_the_current_format_of_a_finalised_round_counts(org, x1, catalogue):
    """A finalised 2025 round whose current format has X1 uses its 2025 target; a round whose
    later format dropped X1, or an open round, does not."""
    IndicatorYearTarget.objects.create(indicator=x1, year=2025, renstra_target=D("7.3"))
    sop, version = x1.period.agency.sops.get(), x1.period.agency.sops.get().versions.get()
    year_round = Round.objects.create(agency=org.agency, sop=sop, sop_version=version,
                                      year=2025, period="Y", status=RoundStatus.FINALISED)
    first = DataRequestFormat.objects.create(round=year_round, number=1,
                                             due_date=date(2026, 1, 15),
                                             created_by=org.kasubbid_data)
    FormatItem.objects.create(format=first, unit=org.division_x, indicator=x1)
    problems = guard.check_target_change(x1.targets.get(year=2025), None, indicator=x1,
                                         year=2025)
    assert names(problems[0], x1, year_round)
    second = DataRequestFormat.objects.create(round=year_round, number=2,
                                              due_date=date(2026, 1, 20),
                                              created_by=org.kasubbid_data)
    FormatItem.objects.create(format=second, unit=org.division_x, indicator=catalogue[1])
    assert guard.check_target_change(x1.targets.get(year=2025), None, indicator=x1,
                                     year=2025) == []
    Round.objects.filter(pk=year_round.pk).update(status=RoundStatus.OPEN)
    FormatItem.objects.create(format=second, unit=org.division_x, indicator=x1)
    assert guard.check_target_change(x1.targets.get(year=2025), None, indicator=x1,
                                     year=2025) == []


def test_what_depends_is_loaded_in_a_fixed_number_of_queries(x1, catalogue,
                                                             django_assert_num_queries):
    ids = [indicator.pk for indicator in catalogue]
    with django_assert_num_queries(3):
        dependents = guard.Dependents.load(ids)
    assert {indicator_id for indicator_id in ids if dependents.rounds_of(indicator_id)} == set(
        ids)
    assert dependents.values_of(x1.pk)[0][0] == D(8)


# --- the admin -------------------------------------------------------------------------------

def admin_data(indicator: Indicator, **changes) -> dict:
    """The indicator's change form as the admin shows it, with its targets, then `changes`."""
    targets = list(indicator.targets.order_by("year"))
    data = {"objective": indicator.objective_id, "code": indicator.code,
            "name": indicator.name, "unit_of_measure": indicator.unit_of_measure,
            "data_type": indicator.data_type, "decimals": indicator.decimals,
            "polarity": indicator.polarity, "aggregation": indicator.aggregation,
            "responsible_unit": indicator.responsible_unit_id, "baseline": "",
            "baseline_year": "", "minimum": "", "maximum": "", "order": indicator.order,
            "change_reason": "", "targets-TOTAL_FORMS": len(targets),
            "targets-INITIAL_FORMS": len(targets), "targets-MIN_NUM_FORMS": 0,
            "targets-MAX_NUM_FORMS": 1000}
    for index, target in enumerate(targets):
        data |= {f"targets-{index}-id": target.id, f"targets-{index}-indicator": indicator.id,
                 f"targets-{index}-year": target.year}
        for name in IndicatorYearTarget.VALUE_FIELDS:
            data[f"targets-{index}-{name}"] = input_text(getattr(target, name),
                                                         decimals=indicator.decimals)
    return data | changes


def post_indicator(client, user, indicator, data):
    client.force_login(user)
    return client.post(reverse("admin:catalogue_indicator_change", args=[indicator.id]), data)


def form_messages(response) -> list[str]:
    """Every error the change form shows: the indicator's fields, each target's, the inline's."""
    found = [str(message) for messages in response.context["adminform"].form.errors.values()
             for message in messages]
    for inline in response.context["inline_admin_formsets"]:
        found += [str(message) for errors in inline.formset.errors
                  for messages in errors.values() for message in messages]
        found += [str(message) for message in inline.formset.non_form_errors()]
    return found


TARGET_CHANGES = [
    # (field of the first target, posted text, the stored text before and after)
    ("renstra_target", "12", "10.0000", "12.0000"),
    ("renstra_target_max", "15", None, "15.0000"),
    ("pk_target", "11", None, "11.0000"),
    ("q3_target", "2,5", None, "2.5000"),
]


@pytest.mark.parametrize(("name", "text", "old", "new"), TARGET_CHANGES)
def test_admin_target_change_needs_a_reason(client, agency_admin, x1, finalised_round, name,
                                            text, old, new):
    target = x1.targets.get(year=2026)
    changed = admin_data(x1, **{f"targets-0-{name}": text})
    response = post_indicator(client, agency_admin, x1, changed)
    assert response.status_code == 200
    assert any(names(message, x1, finalised_round) for message in form_messages(response))
    assert getattr(IndicatorYearTarget.objects.get(pk=target.pk), name) == (
        None if old is None else D(old))
    assert events_of(target) == []

    response = post_indicator(client, agency_admin, x1, changed | {"change_reason": REASON})
    assert response.status_code == 302
    assert getattr(IndicatorYearTarget.objects.get(pk=target.pk), name) == D(new)
    [event] = events_of(target)
    assert event.action == "catalogue.indicatoryeartarget.changed"
    assert event.data["reason"] == REASON
    assert (event.data["old"][name], event.data["new"][name]) == (old, new)
    assert event.actor == agency_admin
    assert events_of(x1) == []  # the indicator itself did not change


def test_admin_target_deletion_needs_a_reason(client, agency_admin, x1, finalised_round):
    target = x1.targets.get(year=2026)
    deleting = admin_data(x1, **{"targets-0-DELETE": "on"})
    response = post_indicator(client, agency_admin, x1, deleting)
    assert response.status_code == 200
    assert any(names(message, x1, finalised_round) for message in form_messages(response))
    assert IndicatorYearTarget.objects.filter(pk=target.pk).exists()

    response = post_indicator(client, agency_admin, x1, deleting | {"change_reason": REASON})
    assert response.status_code == 302
    assert not IndicatorYearTarget.objects.filter(pk=target.pk).exists()
    [event] = events_of(target)
    assert event.action == "catalogue.indicatoryeartarget.deleted"
    assert event.data["reason"] == REASON
    assert event.data["old"]["renstra_target"] == "10.0000" and event.data["new"] == {}


@pytest.mark.parametrize(("name", "value"), [("polarity", "negative"),
                                             ("aggregation", "sum"),
                                             ("data_type", "percent")])
def test_admin_rule_change_needs_a_reason(client, agency_admin, x1, finalised_round, name,
                                          value):
    old = getattr(x1, name)
    response = post_indicator(client, agency_admin, x1, admin_data(x1, **{name: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert names(str(errors[name][0]), x1, finalised_round)
    assert getattr(Indicator.objects.get(pk=x1.pk), name) == old

    response = post_indicator(client, agency_admin, x1,
                              admin_data(x1, **{name: value, "change_reason": REASON}))
    assert response.status_code == 302
    assert getattr(Indicator.objects.get(pk=x1.pk), name) == value
    [event] = events_of(x1)
    assert event.action == "catalogue.indicator.changed"
    assert (event.data["old"], event.data["new"], event.data["reason"]) == (
        {name: old}, {name: value}, REASON)


def test_admin_decimals_below_a_stored_value_need_a_reason(client, agency_admin, x1,
                                                           finalised_round):
    IndicatorValue.objects.filter(indicator=x1).update(value=D("54.32"))
    response = post_indicator(client, agency_admin, x1, admin_data(x1, decimals=1))
    assert response.status_code == 200
    message = str(response.context["adminform"].form.errors["decimals"][0])
    assert names(message, x1, finalised_round) and "54,32" in message
    assert Indicator.objects.get(pk=x1.pk).decimals == 2

    response = post_indicator(client, agency_admin, x1,
                              admin_data(x1, decimals=1, change_reason=REASON))
    assert response.status_code == 302
    assert Indicator.objects.get(pk=x1.pk).decimals == 1
    [event] = events_of(x1)
    assert (event.data["old"], event.data["new"], event.data["reason"]) == (
        {"decimals": 2}, {"decimals": 1}, REASON)


def test_admin_decimals_that_every_stored_value_fits_need_no_reason(client, agency_admin, x1):
    response = post_indicator(client, agency_admin, x1, admin_data(x1, decimals=0))
    assert response.status_code == 302  # 8 needs no decimals
    [event] = events_of(x1)
    assert event.data["new"] == {"decimals": 0} and "reason" not in event.data


def test_admin_changes_nothing_depends_on_need_no_reason(client, agency_admin,
                                                         free_indicator):
    target = free_indicator.targets.get()
    response = post_indicator(client, agency_admin, free_indicator, admin_data(
        free_indicator, polarity="negative", aggregation="sum", data_type="percent",
        decimals=0, **{"targets-0-renstra_target": "5"}))
    assert response.status_code == 302, form_messages(response)
    [event] = events_of(free_indicator)
    assert event.data["new"] == {"polarity": "negative", "aggregation": "sum",
                                 "data_type": "percent", "decimals": 0}
    assert len(events_of(target)) == 1
    response = post_indicator(client, agency_admin, free_indicator, admin_data(
        Indicator.objects.get(pk=free_indicator.pk), **{"targets-0-DELETE": "on"}))
    assert response.status_code == 302
    assert not IndicatorYearTarget.objects.filter(pk=target.pk).exists()


def test_admin_delete_page_names_the_rounds_that_hold_the_indicator(client, agency_admin, x1,
                                                                    finalised_round):
    client.force_login(agency_admin)
    url = reverse("admin:catalogue_indicator_delete", args=[x1.id])
    page = client.get(url)
    assert page.status_code == 200
    assert any(names(str(item), x1, finalised_round) for item in page.context["protected"])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert Indicator.objects.filter(pk=x1.pk).exists()


# --- the import ------------------------------------------------------------------------------

def columns_of(data: bytes) -> dict[str, str]:
    """header → column letter of the exported workbook."""
    return {header: get_column_letter(index + 1)
            for index, header in enumerate(sheet_values(data)[0]) if header}


def run(org, period, data: bytes, reason: str = ""):
    return catalogue_import(agency=org.agency, period=period, file=data,
                            actor=org.staff_secretariat.user, source_name="katalog.xlsx",
                            change_reason=reason)


def refused_import(org, period, data: bytes) -> list:
    before = snapshot(period), AuditEvent.objects.count()
    with pytest.raises(CatalogueFileError) as caught:
        run(org, period, data)
    assert (snapshot(period), AuditEvent.objects.count()) == before
    return caught.value.problems


def x1_row(data: bytes, x1: Indicator) -> int:
    codes = [row[columns_index(data, "Kode Indikator")] for row in sheet_values(data)]
    return codes.index(x1.code) + 1


def columns_index(data: bytes, header: str) -> int:
    return list(sheet_values(data)[0]).index(header)


def test_an_unchanged_export_imports_without_a_reason(org, x1):
    before = AuditEvent.objects.count()
    assert not run(org, x1.period, catalogue_export(x1.period)).changed
    assert AuditEvent.objects.count() == before


IMPORT_CHANGES = [
    # (header, cell value, (object, field), old and new stored texts)
    ("Target Renstra 2026", None, ("target", None), None),  # both 2026 cells cleared
    ("Target Renstra 2026", 12, ("target", "renstra_target"), ("10.0000", "12.0000")),
    ("Target Renstra 2026", "10–15", ("target", "renstra_target_max"), (None, "15.0000")),
    ("Target PK 2026", 11, ("target", "pk_target"), (None, "11.0000")),
    ("Polaritas", "negatif", ("indicator", "polarity"), ("positive", "negative")),
    ("Agregasi Triwulan", "kumulatif", ("indicator", "aggregation"), ("last", "sum")),
    ("Tipe Data", "persen", ("indicator", "data_type"), ("number", "percent")),
    ("Desimal", 1, ("indicator", "decimals"), (2, 1)),
]


@pytest.mark.parametrize(("header", "cell", "changed", "values"), IMPORT_CHANGES)
def test_import_change_needs_a_reason(org, x1, finalised_round, header, cell, changed,
                                      values):
    if header == "Desimal":
        IndicatorValue.objects.filter(indicator=x1).update(value=D("54.32"))
    exported = catalogue_export(x1.period)
    columns, row = columns_of(exported), x1_row(exported, x1)
    cells = {f"{columns[header]}{row}": cell}
    if cell is None:
        cells[f"{columns['Target PK 2026']}{row}"] = None
    data = edit_workbook(exported, cells)

    [problem] = refused_import(org, x1.period, data)
    assert (problem.row, problem.column) == (row, columns[header])
    assert names(problem.message, x1, finalised_round)
    if header == "Desimal":
        assert "54,32" in problem.message

    target = x1.targets.get(year=2026)
    events = AuditEvent.objects.count()
    run(org, x1.period, data, reason=REASON)
    kind, name = changed
    obj = target if kind == "target" else x1
    [event] = events_of(obj)
    assert event.data["reason"] == REASON and event.actor == org.staff_secretariat.user
    if name is None:
        assert event.action == "catalogue.indicatoryeartarget.deleted"
        assert not IndicatorYearTarget.objects.filter(pk=target.pk).exists()
    else:
        assert event.action == f"catalogue.{obj._meta.model_name}.changed"
        assert (event.data["old"][name], event.data["new"][name]) == values
    # One event for the object, one for the import; nothing else changed.
    assert AuditEvent.objects.count() == events + 2
    summary = AuditEvent.objects.get(action="catalogue.imported")
    assert summary.data["reason"] == REASON


def test_import_of_what_nothing_depends_on_needs_no_reason(org, free_indicator):
    exported = catalogue_export(free_indicator.period)
    columns = columns_of(exported)
    codes = [row[columns_index(exported, "Kode Indikator")] for row in sheet_values(exported)]
    row = codes.index("Z1") + 1
    result = run(org, free_indicator.period, edit_workbook(exported, {
        f"{columns['Polaritas']}{row}": "negatif",
        f"{columns['Target Renstra 2026']}{row}": None,
        f"{columns['Target Renstra 2025']}{row}": 3}))
    assert result.changed
    free_indicator.refresh_from_db()
    assert free_indicator.polarity == "negative"
    assert list(free_indicator.targets.values_list("year", flat=True)) == [2025]
    [event] = events_of(free_indicator)
    assert "reason" not in event.data


def test_the_issue_s_example_clearing_a_finalised_years_targets(org, x1, finalised_round):
    """Clearing an indicator's targets of a finalised year in a re-import is refused; the
    other rows' problems are listed too, and nothing is saved."""
    exported = catalogue_export(x1.period)
    columns = columns_of(exported)
    cells = {}
    for index, row_values in enumerate(sheet_values(exported)[1:], start=2):
        cells[f"{columns['Target Renstra 2026']}{index}"] = None
        cells[f"{columns['Target PK 2026']}{index}"] = None
        assert row_values  # every indicator of the round
    problems = refused_import(org, x1.period, edit_workbook(exported, cells))
    assert sorted(problem.message.split(":")[0] for problem in problems) == [
        "S1", "X1", "X2", "Y1"]
    assert all(str(finalised_round) in problem.message for problem in problems)
    assert IndicatorYearTarget.objects.filter(indicator__period=x1.period, year=2026
                                              ).count() == 4


def test_import_page_has_the_reason_and_passes_it_on(client, org, agency_admin, x1,
                                                     finalised_round):
    from django.core.files.uploadedfile import SimpleUploadedFile

    exported = catalogue_export(x1.period)
    columns, row = columns_of(exported), x1_row(exported, x1)
    data = edit_workbook(exported, {f"{columns['Polaritas']}{row}": "negatif"})
    client.force_login(agency_admin)
    url = reverse("admin:catalogue_renstraperiod_import")
    assert "change_reason" in client.get(url).context["form"].fields
    response = client.post(url, {"period": x1.period_id, "file": SimpleUploadedFile(
        "katalog.xlsx", data, content_type="application/octet-stream")})
    assert response.status_code == 200
    assert names(response.context["problems"][0].message, x1, finalised_round)
    assert 'id="import-reason-hint"' in response.content.decode()
    response = client.post(url, {"period": x1.period_id, "change_reason": REASON,
                                 "file": SimpleUploadedFile(
                                     "katalog.xlsx", data,
                                     content_type="application/octet-stream")})
    assert response.status_code == 302
    assert Indicator.objects.get(pk=x1.pk).polarity == "negative"
    [event] = events_of(x1)
    assert event.data["reason"] == REASON and event.actor == agency_admin
