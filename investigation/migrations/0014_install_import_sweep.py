from django.db import migrations

# Import jobs (investigation.importexport) are rows first: this sweep sends again the jobs no
# worker took (Redis was away), emails what was not emailed and deletes import files left
# behind. Every two minutes; a run that waited longer in the queue (workers down) is dropped.
NAME = "Sweep import jobs"
TASK = "investigation.tasks.sweep_import_jobs"
EVERY_2_MINUTES = {"every": 2, "period": "minutes"}


def install_import_sweep(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(**EVERY_2_MINUTES)
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "interval": interval, "expire_seconds": 120}
    )


def remove_import_sweep(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("investigation", "0013_import_jobs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_import_sweep, remove_import_sweep)]
