from django.db import migrations

# The search index (investigation.search) is kept up to date where rows are saved in the admin
# and imported; this sweep catches the rest (update(), bulk writes, the shell): records newer
# than their entry are indexed, entries whose record is gone forgotten. Every 15 minutes; a run
# that waited longer in the queue (workers down) is dropped, the next one does its work.
NAME = "Sweep the search index"
TASK = "investigation.tasks.sweep_search_index"
EVERY_15_MINUTES = {"every": 15, "period": "minutes"}


def install_search_sweep(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(**EVERY_15_MINUTES)
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "interval": interval, "expire_seconds": 15 * 60}
    )


def remove_search_sweep(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("investigation", "0015_search_entries"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_search_sweep, remove_search_sweep)]
