from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from kinerja.organisation.admin_scope import AgencyScopedAdmin, admin_agency_id
from kinerja.organisation.models import Agency

from .forms import SopUploadForm
from .loader import SopFileError
from .models import Sop, SopStep, SopVersion
from .services import sop_load


class ReadOnlyMixin:
    """SOP versions are never edited: a changed SOP is loaded again as a new version."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SopVersionInline(ReadOnlyMixin, admin.TabularInline):
    model = SopVersion
    fields = ["version", "title", "date_made", "date_revised", "loaded_at", "content_hash"]
    readonly_fields = fields
    extra = 0


@admin.register(Sop)
class SopAdmin(ReadOnlyMixin, AgencyScopedAdmin):
    list_display = ["number", "__str__", "agency"]
    inlines = [SopVersionInline]
    change_list_template = "admin/sops/sop/change_list.html"

    def get_urls(self):
        return [path("load/", self.admin_site.admin_view(self.load_view), name="sops_sop_load"),
                *super().get_urls()]

    def has_load_permission(self, request) -> bool:
        return request.user.is_superuser or admin_agency_id(request.user) is not None

    def load_view(self, request):
        if not self.has_load_permission(request) or not self.has_view_permission(request):
            return redirect("admin:index")
        agencies = (Agency.objects.all() if request.user.is_superuser
                    else Agency.objects.filter(id=admin_agency_id(request.user)))
        form = SopUploadForm(request.POST or None, request.FILES or None, agencies=agencies)
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            try:
                result = sop_load(agency=form.cleaned_data["agency"],
                                  text=form.cleaned_data["file"],
                                  source_name=request.FILES["file"].name, actor=request.user)
            except SopFileError as error:
                problems = error.problems
            else:
                if result.created:
                    messages.success(request, _("Loaded %(sop)s as version %(version)d.") % {
                        "sop": result.version.sop.number, "version": result.version.version})
                else:
                    messages.info(request, _("This file is already loaded as version "
                                             "%(version)d; nothing changed.") % {
                                      "version": result.version.version})
                return redirect(reverse("admin:sops_sop_changelist"))
        context = {**self.admin_site.each_context(request), "form": form,
                   "problems": problems, "opts": self.model._meta,
                   "title": _("Load an SOP file")}
        return TemplateResponse(request, "admin/sops/sop/load.html", context)


class SopStepInline(ReadOnlyMixin, admin.TabularInline):
    model = SopStep
    fk_name = "version"
    fields = ["number", "description", "actor", "actor_position", "time_standard_minutes",
              "kind", "scope", "returns_to"]
    readonly_fields = fields
    extra = 0


@admin.register(SopVersion)
class SopVersionAdmin(ReadOnlyMixin, AgencyScopedAdmin):
    agency_path = "sop__agency"
    list_display = ["sop", "version", "title", "date_made", "loaded_at"]
    inlines = [SopStepInline]
    exclude = []
