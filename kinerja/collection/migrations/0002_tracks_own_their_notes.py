"""Events and notes carry their track and the stage its data had (issue 9, finding 3).

Before, a return was recorded on the track without naming it in the event's data, so the
round's history showed its reason to the whole agency. This fills in what the services now
record: the track of every event recorded on a track, the stage each track action leaves or
(for a return) finds the data in, and the stage of the unit notes written at steps 7 and 8."""

from django.db import migrations, models

# The stage of a unit's data at each track action, as the services record it now.
STAGE_OF_ACTION = {
    "data_entry.completed": 0, "unit_recap.submitted": 1, "unit_recap.approved": 1,
    "unit_recap.returned": 1, "handover.submitted": 2, "handover.acknowledged": 3,
    "handover.returned": 2,
}
# The stage of the unit's data while each step's note is written.
STAGE_OF_STEP_KIND = {"validation": 1, "handover": 2}


def events_and_notes_carry_their_track(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    StepExecution = apps.get_model("collection", "StepExecution")
    for event in AuditEvent.objects.filter(object_type="collection.track").iterator():
        if "track" in event.data:
            continue
        event.data["track"] = int(event.object_id)
        if event.action in STAGE_OF_ACTION:
            event.data["stage"] = STAGE_OF_ACTION[event.action]
        event.save(update_fields=["data"])
    for kind, stage in STAGE_OF_STEP_KIND.items():
        StepExecution.objects.filter(track__isnull=False, step__kind=kind,
                                     note_stage__isnull=True).exclude(note="").update(
                                         note_stage=stage)


class Migration(migrations.Migration):

    dependencies = [
        ('collection', '0001_initial'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='stepexecution',
            name='note_stage',
            field=models.PositiveSmallIntegerField(
                blank=True, null=True,
                choices=[(0, 'Data entry'), (1, 'Recap submitted'), (2, 'Handed over'),
                         (3, 'Acknowledged')],
                verbose_name="stage of the unit's data when the note was written"),
        ),
        migrations.RunPython(events_and_notes_carry_their_track, migrations.RunPython.noop),
    ]
