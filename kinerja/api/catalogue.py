"""The indicator catalogue over the API: Renstra periods, their goals, objectives and
indicators with every target per year and quarter (range bounds included), so that a client
can recompute a recap's achievements (docs/domain.md §1–2) from the API alone.

Who reads it: the catalogue is the agency's master data, the same for all its units (the
admin and the catalogue workbook edit it; every unit's format is drawn from it). Every person
of the agency reads all of it, whatever their position or unit, as the pages show every
unit's indicator codes and targets in the round's format. Nobody reads another agency's: its
ids answer 404, as an id that does not exist, never a 403 that would say it exists. A log-in
without a person is 403, as on every route (auth.viewer_of).

Each read is a fixed number of queries whatever the number of goals, objectives, indicators
and targets (tests/test_queries.py)."""

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from ninja import Router

from kinerja.catalogue.models import (
    Goal,
    Indicator,
    IndicatorYearTarget,
    Objective,
    RenstraPeriod,
)
from kinerja.core.numbers import machine_text
from kinerja.organisation.visibility import Viewer

from .auth import viewer_of
from .schemas import Id, IndicatorOut, RenstraPeriodDetailOut, RenstraPeriodOut, YearTargetOut

router = Router(tags=["catalogue"])

TARGET_FIELDS = tuple(name for name in YearTargetOut.model_fields if name != "year")


# -- reads of the caller's agency ------------------------------------------------------------

def _periods(viewer: Viewer) -> QuerySet[RenstraPeriod]:
    return RenstraPeriod.objects.filter(agency_id=viewer.agency_id).order_by("-start_year", "id")


def _indicators() -> QuerySet[Indicator]:
    """Indicators with what their answer reads: the objective (for its goal id) in the same
    query, the targets in one more for all of them."""
    return (Indicator.objects.select_related("objective")
            .prefetch_related(Prefetch("targets",
                                       queryset=IndicatorYearTarget.objects.order_by("year")))
            .order_by("order", "code", "id"))


def _period_get(viewer: Viewer, period_id: int) -> RenstraPeriod:
    found = (_periods(viewer).filter(id=period_id).prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("order", "code", "id").prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.order_by("order", "code", "id")))),
        Prefetch("indicators", queryset=_indicators())).first())
    if found is None:
        raise Http404
    return found


def _indicator_get(viewer: Viewer, indicator_id: int) -> Indicator:
    found = _indicators().filter(id=indicator_id, period__agency_id=viewer.agency_id).first()
    if found is None:
        raise Http404
    return found


# -- formatting only -------------------------------------------------------------------------

def _period_out(period: RenstraPeriod) -> dict:
    return {"id": period.id, "name": period.name, "start_year": period.start_year,
            "end_year": period.end_year}


def _indicator_out(indicator: Indicator) -> dict:
    return {
        "id": indicator.id, "period_id": indicator.period_id,
        "goal_id": indicator.objective.goal_id, "objective_id": indicator.objective_id,
        "code": indicator.code, "name": indicator.name,
        "unit_of_measure": indicator.unit_of_measure, "data_type": indicator.data_type,
        "decimals": indicator.decimals, "polarity": indicator.polarity,
        "aggregation": indicator.aggregation, "minimum": machine_text(indicator.minimum),
        "maximum": machine_text(indicator.maximum), "is_iku": indicator.is_iku,
        "responsible_unit_id": indicator.responsible_unit_id,
        "baseline": machine_text(indicator.baseline), "baseline_year": indicator.baseline_year,
        "order": indicator.order,
        "targets": [{"year": target.year,
                     **{name: machine_text(getattr(target, name)) for name in TARGET_FIELDS}}
                    for target in indicator.targets.all()],
    }


# -- routes ----------------------------------------------------------------------------------

@router.get("/renstra-periods", response=list[RenstraPeriodOut])
def periods(request):
    """The Renstra periods of your agency, the latest first. Every person of the agency reads
    the whole catalogue (it is the agency's master data); another agency's is never shown."""
    return [_period_out(period) for period in _periods(viewer_of(request))]


@router.get("/renstra-periods/{period_id}", response=RenstraPeriodDetailOut)
def period_detail(request, period_id: Id):
    """A Renstra period of your agency with its goals, objectives and indicators, each
    indicator with its targets per year and quarter. Another agency's period is 404."""
    period = _period_get(viewer_of(request), period_id)
    return {**_period_out(period),
            "goals": [{"id": goal.id, "code": goal.code, "text": goal.text, "order": goal.order,
                       "objectives": [{"id": o.id, "code": o.code, "text": o.text,
                                       "order": o.order} for o in goal.objectives.all()]}
                      for goal in period.goals.all()],
            "indicators": [_indicator_out(indicator) for indicator in period.indicators.all()]}


@router.get("/indicators/{indicator_id}", response=IndicatorOut)
def indicator_detail(request, indicator_id: Id):
    """One indicator of your agency's catalogue, with its targets per year and quarter (the
    `indicator_id` of a recap row). Another agency's indicator is 404."""
    return _indicator_out(_indicator_get(viewer_of(request), indicator_id))
