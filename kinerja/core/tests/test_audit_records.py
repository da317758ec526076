"""One audit record per change (docs/decisions.md, "One audit record per change"): a value
save writes its row and exactly one AuditEvent; an edit in the admin writes one AuditEvent per
changed object (with the fields before and after and the reason) and no LogEntry; the
history page of an object reads its events."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.db.models.fields.files import FieldFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kinerja.catalogue.models import Indicator, IndicatorYearTarget
from kinerja.collection import services
from kinerja.collection.models import IndicatorValue
from kinerja.collection.recap import settings_for
from kinerja.core.audit import ChangeReader
from kinerja.core.models import AuditEvent
from kinerja.organisation.models import Unit

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def form_data(response) -> dict:
    """What the admin's change form posts back unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False or isinstance(value, FieldFile):
                continue
            if value is True:
                value = "on"
            elif isinstance(value, list | tuple):
                value = [str(item) for item in value]
            data[form.add_prefix(name)] = value
    return data


@pytest.fixture
def superuser_client(django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    superuser = Client()
    superuser.force_login(root)
    return superuser


# --- the services --------------------------------------------------------------------------

def test_a_value_save_writes_its_value_and_exactly_one_audit_record(org, entry_round,
                                                                     catalogue):
    track = entry_round.tracks.get(unit=org.division_x)
    x1 = catalogue[0]
    assert not [name for name in connection.introspection.table_names()
                if "historical" in name.lower()]
    settings_for(org.agency)  # the agency's rules, made on first use: not part of the save
    before = row_counts()
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=x1.id, value_text="4")])
    after = row_counts()
    grown = {label: after[label] - before[label] for label in after
             if after[label] != before[label]}
    assert grown == {"collection.IndicatorValue": 1, "core.AuditEvent": 1}
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "value.saved"
    assert (event.round_id, event.track_id) == (entry_round.id, track.id)
    # A change of the value: the row changes, one more event, nothing else.
    value = IndicatorValue.objects.get(indicator=x1)
    before = row_counts()
    services.values_save(user=org.staff_x.user, track=track, entries=[
        services.ValueEntry(indicator_id=x1.id, value_text="5",
                            expected_version=value.version)])
    after = row_counts()
    assert {label: after[label] - before[label] for label in after
            if after[label] != before[label]} == {"core.AuditEvent": 1}
    assert not LogEntry.objects.exists()


# --- the admin -----------------------------------------------------------------------------

def test_an_unchanged_indicator_form_records_nothing_and_a_changed_target_one_event(
        client, org, agency_admin, catalogue):
    """Numbers posted as the form shows them ("10" for a stored 10.0000) are no change; a
    changed year target of the inline is one event of that target, in the agency."""
    indicator = catalogue[0]
    target = IndicatorYearTarget.objects.get(indicator=indicator)
    client.force_login(agency_admin)
    url = reverse("admin:catalogue_indicator_change", args=[indicator.id])
    data = form_data(client.get(url))
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert not AuditEvent.objects.exists()
    prefix = next(name.removesuffix("-TOTAL_FORMS") for name in data
                  if name.endswith("-TOTAL_FORMS"))
    response = client.post(url, {**data, f"{prefix}-0-pk_target": "7,3"})
    assert response.status_code == 302, response.context and response.context["errors"]
    [event] = AuditEvent.objects.all()
    assert (event.action, event.object_id, event.agency, event.actor) == (
        "catalogue.indicatoryeartarget.changed", str(target.id), org.agency, agency_admin)
    assert event.data["old"] == {"pk_target": None}
    assert Decimal(event.data["new"]["pk_target"]) == Decimal("7.3")
    assert not LogEntry.objects.exists()
    # The indicator's history shows the change of its target, named, the Indonesian way.
    page = client.get(reverse("admin:catalogue_indicator_history", args=[indicator.id]))
    [row] = page.context["rows"]
    assert row["event"] == event and "2026" in row["part"]
    assert [(c.name, c.old, c.new) for c in row["changes"]] == [("pk_target", "—", "7,3")]


def test_the_reason_of_the_form_goes_into_the_event(rf, org, agency_admin):
    unit_admin = admin.site._registry[Unit]
    request = rf.post("/")
    request.user = agency_admin
    unit = Unit.objects.get(pk=org.division_x.pk)
    unit.name = "Bidang X Baru"
    form = SimpleNamespace(cleaned_data={"change_reason": "  Perbup 12/2026  "})
    unit_admin.save_model(request, unit, form, change=True)
    unit_admin.log_change(request, unit, "")
    [event] = AuditEvent.objects.all()
    assert event.data == {"old": {"name": org.division_x.name},
                          "new": {"name": "Bidang X Baru"}, "reason": "Perbup 12/2026"}


def test_deleting_in_the_admin_writes_one_event_per_object_and_no_log_entry(
        client, org, agency_admin):
    client.force_login(agency_admin)
    units = [Unit.objects.create(agency=org.agency, parent=org.root, kind="division",
                                 code=f"hapus-{n}", name=f"Bidang Hapus {n}") for n in (1, 2)]
    response = client.post(reverse("admin:organisation_unit_changelist"), {
        "action": "delete_selected", "_selected_action": [u.id for u in units],
        "post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.filter(code__startswith="hapus-").exists()
    events = AuditEvent.objects.order_by("object_id")
    assert [(e.action, e.object_id, e.agency_id) for e in events] == [
        ("organisation.unit.deleted", str(u.id), org.agency.id) for u in units]
    assert events[0].data["old"]["name"] == "Bidang Hapus 1"
    assert not LogEntry.objects.exists()


def test_the_many_to_many_links_are_recorded_too(client, org, agency_admin):
    from kinerja.organisation.tests.factories import tag

    data_tag = tag("data")
    unit = org.division_y
    client.force_login(agency_admin)
    url = reverse("admin:organisation_unit_change", args=[unit.id])
    data = form_data(client.get(url))
    linked = sorted(unit.functions.values_list("id", flat=True))
    response = client.post(url, {**data, "functions": [str(i) for i in
                                                       sorted({*linked, data_tag.id})]})
    assert response.status_code == 302, response.context and response.context["errors"]
    [event] = AuditEvent.objects.all()
    assert event.data["old"] == {"functions": linked}
    assert event.data["new"] == {"functions": sorted({*linked, data_tag.id})}


# --- the history page ----------------------------------------------------------------------

def test_the_history_page_reads_copied_versions_and_edits_newest_first(
        client, org, agency_admin, catalogue):
    """A version copied from django-simple-history holds all fields: the page shows what
    differs from the version before it, numbers without padding zeros, choices by label."""
    indicator = catalogue[0]
    label = "catalogue.indicator"
    at = timezone.now() - timezone.timedelta(days=400)
    fields = {"id": indicator.id, "code": "X1", "baseline": "4.0000", "decimals": 2,
              "polarity": "higher", "responsible_unit_id": org.division_x.id}
    for days, kind, changed in [(0, "created", {}), (1, "changed", {"baseline": "4.5000"})]:
        AuditEvent.objects.create(
            agency=None, actor=agency_admin, action=f"version.{kind}", object_type=label,
            object_id=str(indicator.id), summary="", at=at + timezone.timedelta(days=days),
            data={"fields": {**fields, **changed}, "reason": ""})
    client.force_login(agency_admin)
    url = reverse("admin:catalogue_indicator_change", args=[indicator.id])
    client.post(url, {**form_data(client.get(url)), "name": "Indikator X1 baru"})
    page = client.get(reverse("admin:catalogue_indicator_history", args=[indicator.id]))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [row["event"].action for row in rows] == [
        "catalogue.indicator.changed", "version.changed", "version.created"]
    changes = [{c.name: (c.old, c.new) for c in row["changes"]} for row in rows]
    assert changes[0] == {"name": ("Indikator X1", "Indikator X1 baru")}
    assert changes[1] == {"baseline": ("4", "4,5")}
    assert changes[2]["baseline"] == ("—", "4")
    assert changes[2]["responsible_unit_id"] == ("—", org.division_x.name)
    text = page.content.decode()
    assert "4.0000" not in text and "version.changed" not in text


def test_the_history_page_takes_a_bounded_number_of_queries(
        client, org, agency_admin, django_assert_max_num_queries):
    unit = org.division_x

    def add_events(count):
        AuditEvent.objects.bulk_create(AuditEvent(
            agency=org.agency, actor=agency_admin, action="organisation.unit.changed",
            object_type="organisation.unit", object_id=str(unit.id), summary="",
            data={"old": {"parent": org.root.id, "name": f"n{n}"},
                  "new": {"parent": org.secretariat.id, "name": f"n{n + 1}"}})
            for n in range(count))

    client.force_login(agency_admin)
    url = reverse("admin:organisation_unit_history", args=[unit.id])
    add_events(5)
    client.get(url)  # the session and the permissions are cached after the first page
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    add_events(200)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url)
    assert len(page.context["rows"]) == 50 and page.context["pagination_required"]


# --- the audit trail in the admin ----------------------------------------------------------

def test_audit_event_admin_is_read_only_scoped_and_filters_by_round_and_action(
        client, superuser_client, org, agency_admin, entry_round, catalogue):
    mine = AuditEvent.objects.filter(agency=org.agency).count()
    AuditEvent.objects.create(agency=org.other_agency, action="secret.thing",
                              object_type="x", object_id="1", summary="RAHASIA-B")
    client.force_login(agency_admin)
    listing = client.get(reverse("admin:core_auditevent_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == mine > 0
    assert "RAHASIA-B" not in listing.content.decode()
    assert [spec.field_path for spec in listing.context["cl"].filter_specs] == [
        "round", "action", "step"]
    by_round = client.get(reverse("admin:core_auditevent_changelist"),
                          {"round__id__exact": entry_round.id})
    assert by_round.context["cl"].result_count == AuditEvent.objects.filter(
        round=entry_round).count() > 0
    event = AuditEvent.objects.filter(round=entry_round).first()
    detail = client.get(reverse("admin:core_auditevent_change", args=[event.id]))
    assert detail.status_code == 200
    assert client.post(reverse("admin:core_auditevent_change", args=[event.id]),
                       {}).status_code == 403
    assert client.post(reverse("admin:core_auditevent_delete", args=[event.id]),
                       {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(id=event.id).exists()


def test_change_reader_shows_numbers_dates_and_booleans_readably(org):
    event = AuditEvent(id=1, action="catalogue.indicator.changed",
                       object_type="catalogue.indicator", object_id="1", data={
                           "old": {"minimum": "12500.0000", "is_iku": False,
                                   "objective": None},
                           "new": {"minimum": "0.2500", "is_iku": True, "objective": None}})
    reader = ChangeReader([event])
    changes = {c.name: (c.old, c.new) for c in reader.changes(event)}
    assert changes["minimum"] == ("12.500", "0,25")
    assert changes["is_iku"] == ("Tidak", "Ya")
    assert changes["objective"] == ("—", "—")
    assert str(Indicator._meta.get_field("minimum").verbose_name).capitalize() in {
        c.label for c in reader.changes(event)}
