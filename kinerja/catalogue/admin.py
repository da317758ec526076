from django.contrib import admin, messages
from django.db import models
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kinerja.core.errors import DomainError
from kinerja.core.forms import IndonesianDecimalField, posted_decimals
from kinerja.organisation.admin_scope import (
    AgencyScopedAdmin,
    ScopedHistoryAdmin,
    admin_agency_id,
)
from kinerja.organisation.models import REPORTING_UNIT_KINDS

from .exporter import catalogue_export, catalogue_template
from .forms import CatalogueImportForm, IndicatorForm, IndicatorYearTargetForm
from .importer import ImportProblem
from .models import Goal, Indicator, IndicatorYearTarget, Objective, RenstraPeriod
from .services import CatalogueFileError, catalogue_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Baselines, targets and plausible bounds are typed and shown the Indonesian way ("12,85"),
# read as data entry reads a value of the indicator (kinerja/core/numbers.py).
INDONESIAN_NUMBERS = {models.DecimalField: {"form_class": IndonesianDecimalField}}


class CatalogueAdmin(ScopedHistoryAdmin):
    """Scoped to the administrator's agency, with the catalogue's foreign keys limited too."""

    scoped_choices = {
        **AgencyScopedAdmin.scoped_choices,
        "period": "agency",
        "goal": "period__agency",
        "objective": "goal__period__agency",
        "responsible_unit": "agency",
    }


class GoalInline(admin.TabularInline):
    model = Goal
    fields = ["code", "text", "order"]
    extra = 0
    show_change_link = True


@admin.register(RenstraPeriod)
class RenstraPeriodAdmin(CatalogueAdmin):
    list_display = ["name", "start_year", "end_year"]
    inlines = [GoalInline]

    def get_list_display(self, request):
        return [*self.list_display, "agency"] if request.user.is_superuser else self.list_display

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("import/", view(self.import_view), name="catalogue_renstraperiod_import"),
            path("<int:period_id>/export/", view(self.export_view),
                 name="catalogue_renstraperiod_export"),
            path("<int:period_id>/template/", view(self.template_view),
                 name="catalogue_renstraperiod_template"),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_change_permission(request) and (
            request.user.is_superuser or admin_agency_id(request.user) is not None)

    def _period_or_404(self, request, period_id: int) -> RenstraPeriod:
        if not self.has_view_permission(request):
            raise Http404
        period = self.get_queryset(request).filter(pk=period_id).first()
        if period is None:
            raise Http404
        return period

    def _workbook_response(self, content: bytes, name: str) -> HttpResponse:
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def export_view(self, request, period_id: int):
        period = self._period_or_404(request, period_id)
        return self._workbook_response(
            catalogue_export(period),
            f"katalog-{period.agency.code}-{period.start_year}-{period.end_year}.xlsx")

    def template_view(self, request, period_id: int):
        period = self._period_or_404(request, period_id)
        return self._workbook_response(
            catalogue_template(period),
            f"template-katalog-{period.start_year}-{period.end_year}.xlsx")

    def import_view(self, request):
        if not self.has_import_permission(request):
            return redirect("admin:index")
        periods = self.get_queryset(request).select_related("agency")
        initial = {"period": request.GET.get("period")} if request.GET.get("period") else None
        form = CatalogueImportForm(request.POST or None, request.FILES or None,
                                   periods=periods, initial=initial)
        problems: list[ImportProblem] = []
        if request.method == "POST" and form.is_valid():
            period = form.cleaned_data["period"]
            try:
                result = catalogue_import(agency=period.agency, period=period,
                                          file=form.cleaned_data["file"], actor=request.user,
                                          source_name=request.FILES["file"].name)
            except CatalogueFileError as error:
                problems = error.problems
            except DomainError as error:
                problems = [ImportProblem(error.message)]
            else:
                if result.changed:
                    messages.success(request, _(
                        "Imported %(rows)d indicator rows: %(created)d created, %(updated)d "
                        "updated, %(deleted)d removed.") % {
                            "rows": result.rows, "created": sum(result.created.values()),
                            "updated": sum(result.updated.values()),
                            "deleted": sum(result.deleted.values())})
                else:
                    messages.info(request, _("The catalogue already matches this file; "
                                             "nothing changed."))
                if result.not_in_file:
                    messages.warning(request, _(
                        "These indicators of the period are not in the file and were kept: "
                        "%(codes)s. Delete them here if they are no longer wanted.") % {
                            "codes": ", ".join(result.not_in_file)})
                return redirect(reverse("admin:catalogue_indicator_changelist")
                                + f"?period__id__exact={period.pk}")
        context = {**self.admin_site.each_context(request), "form": form,
                   "problems": problems, "opts": self.model._meta,
                   "title": _("Import the indicator catalogue from Excel")}
        return TemplateResponse(request, "admin/catalogue/renstraperiod/import.html", context)


class ObjectiveInline(admin.TabularInline):
    model = Objective
    fields = ["code", "text", "order"]
    extra = 0
    show_change_link = True


@admin.register(Goal)
class GoalAdmin(CatalogueAdmin):
    agency_path = "period__agency"
    list_display = ["code", "text", "period"]
    list_filter = [("period", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "text"]
    inlines = [ObjectiveInline]


@admin.register(Objective)
class ObjectiveAdmin(CatalogueAdmin):
    agency_path = "goal__period__agency"
    list_display = ["code", "text", "goal"]
    list_filter = [("goal__period", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["goal"]
    search_fields = ["code", "text"]


class IndicatorYearTargetInline(admin.TabularInline):
    model = IndicatorYearTarget
    form = IndicatorYearTargetForm
    formfield_overrides = INDONESIAN_NUMBERS
    fields = ["year", "renstra_target", "renstra_target_max", "pk_target", "pk_target_max",
              "q1_target", "q2_target", "q3_target", "q4_target"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(CatalogueAdmin):
    agency_path = "period__agency"
    list_display = ["code", "name", "unit_of_measure", "polarity", "aggregation",
                    "responsible_unit", "is_iku"]
    list_filter = [("period", admin.RelatedOnlyFieldListFilter), "is_iku", "polarity",
                   "aggregation", "data_type",
                   ("responsible_unit", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["responsible_unit"]
    search_fields = ["code", "name"]
    form = IndicatorForm
    formfield_overrides = INDONESIAN_NUMBERS
    fieldsets = [
        (None, {"fields": ["objective", "code", "name", "unit_of_measure", "data_type",
                           "decimals", "polarity", "aggregation", "responsible_unit",
                           "baseline", "baseline_year", "is_iku", "order"]}),
        (gettext_lazy("Plausible values"), {"fields": ["minimum", "maximum"]}),
    ]
    inlines = [IndicatorYearTargetInline]

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """The year targets are read with the decimals the indicator form is saving."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, IndicatorYearTargetInline):
            stored = obj.decimals if obj is not None else Indicator._meta.get_field(
                "decimals").default
            decimals = posted_decimals(request.POST if request.method == "POST" else None,
                                       "decimals", stored)
            kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "decimals": decimals}
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "responsible_unit" and field is not None:
            # Only the Sekretariat and the Bidang report (Unit.is_reporting_unit).
            field.queryset = field.queryset.filter(kind__in=REPORTING_UNIT_KINDS)
        if db_field.name == "objective" and field is not None:
            field.queryset = field.queryset.select_related("goal__period")
        return field
