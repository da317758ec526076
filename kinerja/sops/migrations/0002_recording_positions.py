"""The seed SOP's recording lines gain the positions that say who signs and who initials the
disposition (SopVersion.further_initials). Versions loaded before the field existed keep
asking the Kasubbag Perencanaan's initials, as the engine did when it was written in code."""

from django.db import migrations

SEED_LINES = {
    "Kepala OPD": {"position": "head"},
    "Sekretaris OPD": {"position": "secretary"},
    "Kasubag Perencanaan": {"position": "subsection_head", "unit_function": "planning"},
}


def add_positions(apps, schema_editor):
    SopVersion = apps.get_model("sops", "SopVersion")
    for version in SopVersion.objects.all():
        recording = [item if item.get("position") or item.get("actor") not in SEED_LINES
                     else {**item, "unit_function": "", **SEED_LINES[item["actor"]]}
                     for item in version.recording]
        if recording != version.recording:
            version.recording = recording
            version.save(update_fields=["recording"])


class Migration(migrations.Migration):
    dependencies = [("sops", "0001_initial")]
    operations = [migrations.RunPython(add_positions, migrations.RunPython.noop)]
