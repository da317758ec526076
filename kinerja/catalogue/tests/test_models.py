"""Model validation: what the admin and the importer both rely on."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from kinerja.catalogue.choices import Aggregation, DataType, Polarity
from kinerja.catalogue.models import (
    Goal,
    Indicator,
    IndicatorYearTarget,
    Objective,
    RenstraPeriod,
)
from kinerja.catalogue.services import catalogue_import, renstra_period_create
from kinerja.core.errors import DomainError
from kinerja.core.models import AuditEvent
from kinerja.organisation.tests.factories import UnitFactory

from .factories import make_period, sample_rows, sample_workbook

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]


@pytest.fixture
def period(org):
    return make_period(org.agency)


@pytest.fixture
def objective(period):
    goal = Goal.objects.create(period=period, code="T1", text="Tujuan")
    return Objective.objects.create(goal=goal, code="S1", text="Sasaran")


def indicator(objective, unit, **values) -> Indicator:
    fields = {"code": "I1", "name": "Indikator", "unit_of_measure": "%",
              "data_type": DataType.PERCENT, "decimals": 2, "polarity": Polarity.POSITIVE,
              "aggregation": Aggregation.LAST, **values}
    return Indicator(objective=objective, responsible_unit=unit, **fields)


def saved(objective, unit, **values) -> Indicator:
    made = indicator(objective, unit, **values)
    made.full_clean()
    made.save()
    return made


def errors_of(obj) -> dict:
    with pytest.raises(ValidationError) as caught:
        obj.full_clean()
    return caught.value.message_dict


def test_indicator_takes_the_period_of_its_objective(org, period, objective):
    made = saved(objective, org.division_x)
    assert made.period == period


def test_responsible_unit_is_a_reporting_unit_of_the_agency(org, objective):
    assert "responsible_unit" in errors_of(indicator(objective, org.planning))  # subsection
    assert "responsible_unit" in errors_of(indicator(objective, org.root))
    other = UnitFactory(agency=org.other_agency, kind="division", parent=org.other_root)
    with translation.override("en"):
        assert errors_of(indicator(objective, other))["responsible_unit"] == [
            "The unit belongs to another agency."]
    indicator(objective, org.secretariat).full_clean()
    indicator(objective, org.division_y).full_clean()


def test_indicator_code_is_unique_in_its_period_only(org, objective):
    saved(objective, org.division_x)
    assert "code" in errors_of(indicator(objective, org.division_x))
    later = make_period(org.agency, 2027, 2031)
    goal = Goal.objects.create(period=later, code="T1", text="Tujuan")
    other_objective = Objective.objects.create(goal=goal, code="S1", text="Sasaran")
    saved(other_objective, org.division_x)  # the same code in the next Renstra


def test_indicator_code_unique_in_the_database_too(org, period, objective):
    saved(objective, org.division_x)
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.create(period=period, objective=objective, code="I1", name="x",
                                 unit_of_measure="%", responsible_unit=org.division_x)


def test_decimals_zero_to_four(org, objective):
    assert "decimals" in errors_of(indicator(objective, org.division_x, decimals=5))
    indicator(objective, org.division_x, decimals=0).full_clean()
    indicator(objective, org.division_x, decimals=4).full_clean()


def test_percent_baseline_and_baseline_year(org, objective):
    assert "baseline" in errors_of(indicator(objective, org.division_x, baseline=D("101"),
                                             baseline_year=2020))
    assert "baseline_year" in errors_of(indicator(objective, org.division_x, baseline=D(5)))
    assert "baseline_year" in errors_of(indicator(objective, org.division_x, baseline=D(5),
                                                  baseline_year=2027))
    indicator(objective, org.division_x, data_type=DataType.NUMBER, baseline=D(150),
              baseline_year=2020).full_clean()


def test_indicator_stays_in_its_period(org, objective):
    made = saved(objective, org.division_x)
    later = make_period(org.agency, 2027, 2031)
    goal = Goal.objects.create(period=later, code="T1", text="Tujuan")
    made.objective = Objective.objects.create(goal=goal, code="S1", text="Sasaran")
    assert "objective" in errors_of(made)


def test_objective_code_unique_in_the_period(period, objective):
    second_goal = Goal.objects.create(period=period, code="T2", text="Tujuan 2")
    assert "code" in errors_of(Objective(goal=second_goal, code="S1", text="x"))
    Objective(goal=second_goal, code="S2", text="x").full_clean()


def target(made, **values) -> IndicatorYearTarget:
    return IndicatorYearTarget(indicator=made, **{"year": 2025, "renstra_target": D(90),
                                                  **values})


def test_target_years_inside_the_period(org, objective):
    made = saved(objective, org.division_x)
    assert "year" in errors_of(target(made, year=2027))
    assert "year" in errors_of(target(made, year=2020))
    target(made, year=2021).full_clean()
    target(made, year=2026).full_clean()


@pytest.mark.parametrize("field", ["renstra_target", "pk_target", "q1_target", "q4_target"])
def test_percent_targets_between_0_and_100(org, objective, field):
    made = saved(objective, org.division_x)
    assert field in errors_of(target(made, **{field: D("100.01")}))
    assert field in errors_of(target(made, **{field: D("-1")}))
    target(made, **{field: D(100)}).full_clean()
    target(made, **{field: D(0)}).full_clean()


def test_number_targets_may_exceed_100(org, objective):
    made = saved(objective, org.division_x, data_type=DataType.NUMBER)
    target(made, renstra_target=D(2500), q1_target=D(-3)).full_clean()


def test_range_bounds_in_order(org, objective):
    made = saved(objective, org.division_x)
    assert "renstra_target_max" in errors_of(target(made, renstra_target_max=D(80)))
    assert "pk_target_max" in errors_of(target(made, pk_target=D(90), pk_target_max=D(85)))
    assert "pk_target" in errors_of(target(made, pk_target_max=D(85)))
    target(made, renstra_target_max=D(95), pk_target=D(91), pk_target_max=D(91)).full_clean()


def test_range_order_is_a_database_constraint_too(org, objective):
    made = saved(objective, org.division_x)
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorYearTarget.objects.create(indicator=made, year=2025, renstra_target=D(9),
                                           renstra_target_max=D(8))


def test_one_target_per_indicator_and_year(org, objective):
    made = saved(objective, org.division_x)
    target(made).save()
    assert errors_of(target(made))


def test_period_years(org):
    assert "end_year" in errors_of(RenstraPeriod(agency=org.agency, name="x", start_year=2026,
                                                 end_year=2021))
    assert "end_year" in errors_of(RenstraPeriod(agency=org.agency, name="x", start_year=2021,
                                                 end_year=2031))
    assert list(RenstraPeriod(start_year=2021, end_year=2026).years) == list(range(2021, 2027))


def test_period_cannot_shrink_below_its_targets(org, period, objective):
    made = saved(objective, org.division_x)
    target(made, year=2026).save()
    period.end_year = 2025
    with pytest.raises(ValidationError):
        period.full_clean()


def test_period_create_refuses_a_second_one_with_the_same_years(org, period):
    with pytest.raises(DomainError):
        renstra_period_create(agency=org.agency, start_year=2021, end_year=2026)
    assert renstra_period_create(agency=org.other_agency, start_year=2021,
                                 end_year=2026).name == "Renstra Badan B 2021–2026"


def test_changes_are_kept_as_audit_events(org, period):
    """The import and the admin keep each change as one event (kinerja/core/audit.py); the
    guarded changes and the admin are tested in test_guard.py."""
    catalogue_import(agency=org.agency, period=period, file=sample_workbook(period))
    made = Indicator.objects.get(period=period, code="I1")
    rows = sample_rows()
    rows[0].name = "Indikator baru"
    catalogue_import(agency=org.agency, period=period, file=sample_workbook(period, rows),
                     actor=org.staff_secretariat.user)
    events = AuditEvent.objects.filter(object_type="catalogue.indicator",
                                       object_id=str(made.pk)).order_by("id")
    assert [(event.action, event.data["new"].get("name")) for event in events] == [
        ("catalogue.indicator.created", "Persentase dokumen perencanaan yang tepat waktu"),
        ("catalogue.indicator.changed", "Indikator baru")]
    assert events[1].actor == org.staff_secretariat.user
    assert events[1].agency == org.agency
