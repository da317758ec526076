from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from .models import PositionHolding, Unit
from .visibility import Viewer


def unit_list_for_viewer(*, viewer: Viewer):
    """The units the person may open: their own and those below, in the agency's order."""
    return (
        Unit.objects.filter(id__in=viewer.scope_unit_ids, agency_id=viewer.agency_id)
        .select_related("parent")
        .prefetch_related("functions")
        .order_by("order", "name")
    )


def unit_get_for_viewer(*, viewer: Viewer, unit_id: int) -> Unit:
    """404 for a unit of another agency (its existence is not disclosed), 403 for a unit of
    the same agency outside the person's scope."""
    unit = Unit.objects.filter(id=unit_id, agency_id=viewer.agency_id).first()
    if unit is None:
        raise Http404
    if not viewer.can_open_unit(unit):
        raise PermissionDenied
    return unit


def current_holdings_of_unit(*, unit: Unit):
    """Who holds each post of the unit today, acting officials included."""
    today = timezone.localdate()
    current = (
        PositionHolding.objects.on(today)
        .select_related("person")
        .order_by("capacity", "person__name")
    )
    return unit.positions.prefetch_related(Prefetch("holdings", queryset=current,
                                                    to_attr="current_holdings"))
