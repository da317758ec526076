from django.db import migrations

# The functions SOP files name: "data" (the data subsection) and "planning" (the planning
# subsection). An installation needs them before any agency is set up.
TAGS = {"data": "Data dan informasi", "planning": "Perencanaan"}


def create_tags(apps, schema_editor):
    FunctionTag = apps.get_model("organisation", "FunctionTag")
    for code, name in TAGS.items():
        FunctionTag.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("organisation", "0001_initial")]

    operations = [migrations.RunPython(create_tags, migrations.RunPython.noop)]
