from django.db import migrations


def fill_origin(apps, schema_editor):
    """Events that came from ACLED carry its source and event id; the rest are our own (a
    spreadsheet import before this migration cannot be told from typing)."""
    Event = apps.get_model("events", "Event")
    Event.objects.exclude(acled_source="").exclude(external_id="").update(origin="acled")


class Migration(migrations.Migration):
    dependencies = [("events", "0009_event_origin")]

    operations = [migrations.RunPython(fill_origin, migrations.RunPython.noop)]
