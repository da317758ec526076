from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
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

from . import guard
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
    """Scoped to the administrator's agency, with the catalogue's foreign keys limited too.

    Deleting what holds an indicator that a round's format, a stored value or a finalised
    recap refers to is refused by the database (PROTECT); the delete page then says which
    indicator and which rounds (guard.deletion_problems) instead of listing raw rows."""

    scoped_choices = {
        **AgencyScopedAdmin.scoped_choices,
        "period": "agency",
        "goal": "period__agency",
        "objective": "goal__period__agency",
        "responsible_unit": "agency",
    }
    # The lookup from Indicator to the objects of this admin, for the delete page.
    indicator_path = ""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request)
        if protected and self.indicator_path:
            ids = Indicator.objects.filter(**{f"{self.indicator_path}__in": [
                obj.pk for obj in objs]}).values_list("id", flat=True)
            explained = guard.deletion_problems(ids)
            if explained:
                protected = list(explained.values())
        return deleted, model_count, perms_needed, protected


class GoalInline(admin.TabularInline):
    model = Goal
    fields = ["code", "text", "order"]
    extra = 0
    show_change_link = True


@admin.register(RenstraPeriod)
class RenstraPeriodAdmin(CatalogueAdmin):
    indicator_path = "period"
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
                                          source_name=request.FILES["file"].name,
                                          change_reason=form.cleaned_data["change_reason"])
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
                   "problems": problems, "refused_changes": any(
                       getattr(problem, "guarded", False) for problem in problems),
                   "opts": self.model._meta,
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
    indicator_path = "objective__goal"
    list_display = ["code", "text", "period"]
    list_filter = [("period", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "text"]
    inlines = [ObjectiveInline]


@admin.register(Objective)
class ObjectiveAdmin(CatalogueAdmin):
    agency_path = "goal__period__agency"
    indicator_path = "objective"
    list_display = ["code", "text", "goal"]
    list_filter = [("goal__period", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["goal"]
    search_fields = ["code", "text"]


class IndicatorYearTargetFormSet(BaseInlineFormSet):
    """An indicator's year targets: a target of a year whose finalised rounds use the
    indicator is changed or deleted only with the reason given on the indicator's form
    (`change_reason`, guard.py)."""

    def __init__(self, *args, change_reason: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.change_reason = change_reason.strip()

    def clean(self):
        super().clean()
        if self.change_reason or self.instance.pk is None:
            return
        dependents = guard.Dependents(rounds=guard.finalised_rounds([self.instance.pk]))
        if not dependents.rounds:
            return
        code, deleting = self.instance.code, []
        for form in self.forms:
            # The stored target (the form's instance already holds the posted values).
            stored = getattr(form, "stored", None)
            before = _stored_targets(stored) if stored else None
            old_year = stored["year"] if stored else None
            if self.can_delete and self._should_delete_form(form):
                deleting += guard.target_refusals(
                    before, None, code=code, year=old_year, dependents=dependents,
                    indicator_id=self.instance.pk) if stored else []
                continue
            cleaned = getattr(form, "cleaned_data", None)
            if not cleaned or not form.has_changed():
                continue
            year = cleaned.get("year")
            after = {name: cleaned.get(name) for name in guard.TARGET_FIELDS}
            refusals = []
            if stored and old_year != year:
                # Moved to another year: the old year loses its target.
                refusals += guard.target_refusals(
                    before, None, code=code, year=old_year, dependents=dependents,
                    indicator_id=self.instance.pk)
                before = None
            if year:
                refusals += guard.target_refusals(
                    before, after, code=code, year=year, dependents=dependents,
                    indicator_id=self.instance.pk)
            for refusal in refusals:
                form.add_error(refusal.field if refusal.field in form.fields else None,
                               refusal.message)
        if deleting:
            raise ValidationError([refusal.message for refusal in deleting])


def _stored_targets(stored: dict) -> dict:
    return {name: stored.get(name) for name in guard.TARGET_FIELDS}


class IndicatorYearTargetInline(admin.TabularInline):
    model = IndicatorYearTarget
    form = IndicatorYearTargetForm
    formset = IndicatorYearTargetFormSet
    formfield_overrides = INDONESIAN_NUMBERS
    fields = ["year", "renstra_target", "renstra_target_max", "pk_target", "pk_target_max",
              "q1_target", "q2_target", "q3_target", "q4_target"]
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(CatalogueAdmin):
    """An indicator with its year targets. What finalised rounds or stored values depend on
    (guard.py) changes only with the reason given in `change_reason`. Every change of the
    indicator and of each target is one audit event with that reason, written by
    AgencyScopedAdmin (kinerja/organisation/admin_scope.py), which reads `change_reason`
    from the indicator's form for the targets too."""

    agency_path = "period__agency"
    indicator_path = "pk"
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
        (gettext_lazy("Changes that finalised rounds use"), {"fields": ["change_reason"]}),
    ]
    inlines = [IndicatorYearTargetInline]

    @staticmethod
    def _reason(request) -> str:
        """The reason typed on the indicator's form: the targets' inline is guarded by it."""
        if request.method != "POST":
            return ""
        return (request.POST.get("change_reason") or "").strip()

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """The year targets are read with the decimals the indicator form is saving."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, IndicatorYearTargetInline):
            stored = obj.decimals if obj is not None else Indicator._meta.get_field(
                "decimals").default
            decimals = posted_decimals(request.POST if request.method == "POST" else None,
                                       "decimals", stored)
            kwargs["form_kwargs"] = {**kwargs.get("form_kwargs", {}), "decimals": decimals}
            kwargs["change_reason"] = self._reason(request)
        return kwargs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "responsible_unit" and field is not None:
            # Only the Sekretariat and the Bidang report (Unit.is_reporting_unit).
            field.queryset = field.queryset.filter(kind__in=REPORTING_UNIT_KINDS)
        if db_field.name == "objective" and field is not None:
            field.queryset = field.queryset.select_related("goal__period")
        return field
