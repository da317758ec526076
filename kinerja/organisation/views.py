from django.template.response import TemplateResponse

from .decorators import person_required
from .selectors import current_holdings_of_unit, unit_get_for_viewer, unit_list_for_viewer


@person_required
def unit_list(request):
    units = unit_list_for_viewer(viewer=request.viewer)
    return TemplateResponse(request, "organisation/unit_list.html", {"units": units})


@person_required
def unit_detail(request, unit_id: int):
    unit = unit_get_for_viewer(viewer=request.viewer, unit_id=unit_id)
    positions = current_holdings_of_unit(unit=unit)
    return TemplateResponse(request, "organisation/unit_detail.html",
                            {"unit": unit, "positions": positions})
