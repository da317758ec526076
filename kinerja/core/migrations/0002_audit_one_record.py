"""AuditEvent becomes the one audit record (docs/decisions.md): the round, track, stage and
step become indexed columns, and every version kept by django-simple-history is copied into
an event before the historical tables go (the apps' next migrations drop them)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

# (app, historical model, the model it versions)
HISTORICAL_MODELS = [
    ("organisation", "HistoricalAgency", "organisation.agency"),
    ("organisation", "HistoricalUnit", "organisation.unit"),
    ("organisation", "HistoricalPosition", "organisation.position"),
    ("organisation", "HistoricalPerson", "organisation.person"),
    ("organisation", "HistoricalPositionHolding", "organisation.positionholding"),
    ("catalogue", "HistoricalRenstraPeriod", "catalogue.renstraperiod"),
    ("catalogue", "HistoricalGoal", "catalogue.goal"),
    ("catalogue", "HistoricalObjective", "catalogue.objective"),
    ("catalogue", "HistoricalIndicator", "catalogue.indicator"),
    ("catalogue", "HistoricalIndicatorYearTarget", "catalogue.indicatoryeartarget"),
    ("worktime", "HistoricalWorkCalendar", "worktime.workcalendar"),
    ("worktime", "HistoricalWorkingHours", "worktime.workinghours"),
    ("worktime", "HistoricalSpecialPeriod", "worktime.specialperiod"),
    ("worktime", "HistoricalSpecialPeriodHours", "worktime.specialperiodhours"),
    ("worktime", "HistoricalCalendarDay", "worktime.calendarday"),
    ("documents", "HistoricalHardcopy", "documents.hardcopy"),
    ("documents", "HistoricalDocumentSettings", "documents.documentsettings"),
    ("collection", "HistoricalRound", "collection.round"),
    ("collection", "HistoricalTrack", "collection.track"),
    ("collection", "HistoricalDisposition", "collection.disposition"),
    ("collection", "HistoricalMeeting", "collection.meeting"),
    ("collection", "HistoricalDataRequestFormat", "collection.datarequestformat"),
    ("collection", "HistoricalCollectionSettings", "collection.collectionsettings"),
    ("collection", "HistoricalIndicatorValue", "collection.indicatorvalue"),
]
# How a versioned object without an agency column reaches its agency (from the live row;
# a row deleted since keeps no agency and shows on its object's history only).
AGENCY_PATHS = {
    "organisation.position": "unit__agency_id",
    "organisation.positionholding": "position__unit__agency_id",
    "catalogue.goal": "period__agency_id",
    "catalogue.objective": "goal__period__agency_id",
    "catalogue.indicator": "period__agency_id",
    "catalogue.indicatoryeartarget": "indicator__period__agency_id",
    "worktime.workinghours": "calendar__agency_id",
    "worktime.specialperiod": "calendar__agency_id",
    "worktime.specialperiodhours": "period__calendar__agency_id",
    "worktime.calendarday": "calendar__agency_id",
    "documents.hardcopy": "document__agency_id",
    "collection.track": "round__agency_id",
    "collection.meeting": "round__agency_id",
    "collection.datarequestformat": "round__agency_id",
    "collection.indicatorvalue": "track__round__agency_id",
}
KIND = {"+": "created", "~": "changed", "-": "deleted"}
BATCH = 2000


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def fill_columns(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    Round = apps.get_model("collection", "Round")
    Track = apps.get_model("collection", "Track")
    rounds = set(Round.objects.values_list("id", flat=True))
    tracks = set(Track.objects.values_list("id", flat=True))
    changed = []
    for event in AuditEvent.objects.all().iterator(chunk_size=BATCH):
        data = event.data if isinstance(event.data, dict) else {}
        round_id, track_id = data.get("round"), data.get("track")
        event.round_id = round_id if round_id in rounds else None
        event.track_id = track_id if track_id in tracks else None
        event.stage = data.get("stage") if isinstance(data.get("stage"), int) else None
        event.step = data.get("step") if isinstance(data.get("step"), int) else None
        if event.round_id or event.track_id or event.stage is not None or event.step:
            changed.append(event)
        if len(changed) >= BATCH:
            AuditEvent.objects.bulk_update(changed, ["round", "track", "stage", "step"])
            changed = []
    AuditEvent.objects.bulk_update(changed, ["round", "track", "stage", "step"])
    _check_now(schema_editor)


def _check_now(schema_editor):
    # PostgreSQL refuses to create the new columns' indexes at the end of the migration while
    # the foreign-key checks of the rows written here are still deferred.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def copy_versions(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    for app_label, model_name, label in HISTORICAL_MODELS:
        try:
            Historical = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        fields = [field for field in Historical._meta.concrete_fields
                  if not field.name.startswith("history_")]
        agency_of = {}
        if label in AGENCY_PATHS:
            live = apps.get_model(*label.split("."))
            agency_of = dict(live.objects.values_list("id", AGENCY_PATHS[label]))
        events = []
        for row in Historical.objects.order_by("history_date", "history_id").iterator(
                chunk_size=BATCH):
            values = {field.attname: _jsonable(getattr(row, field.attname)) for field in fields}
            kind = KIND.get(row.history_type, "changed")
            events.append(AuditEvent(
                agency_id=(values.get("id") if label == "organisation.agency"
                           else values.get("agency_id") or agency_of.get(values.get("id"))),
                actor_id=row.history_user_id, action=f"version.{kind}", object_type=label,
                object_id=str(values.get("id")), at=row.history_date,
                summary=f"{label} {values.get('id')} {kind}"[:500],
                data={"fields": values,
                      "reason": getattr(row, "history_change_reason", None) or ""}))
            if len(events) >= BATCH:
                AuditEvent.objects.bulk_create(events)
                events = []
        AuditEvent.objects.bulk_create(events)
    _check_now(schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("collection", "0003_plausibility"),
        ("catalogue", "0002_indicator_plausible_range"),
        ("organisation", "0002_function_tags"),
        ("worktime", "0001_initial"),
        ("documents", "0003_hardcopy_scan_content_type"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="round",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="events", to="collection.round",
                                    verbose_name="round"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="track",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="events", to="collection.track",
                                    verbose_name="unit track"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="stage",
            field=models.PositiveSmallIntegerField(blank=True, null=True,
                                                   verbose_name="stage of the unit's data"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="step",
            field=models.PositiveSmallIntegerField(blank=True, null=True,
                                                   verbose_name="SOP step"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now,
                                       verbose_name="at"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["agency", "round", "at"], name="audit_round_history"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["object_type", "object_id", "at"],
                               name="audit_object_history"),
        ),
        migrations.RunPython(fill_columns, migrations.RunPython.noop),
        migrations.RunPython(copy_versions, migrations.RunPython.noop),
    ]
