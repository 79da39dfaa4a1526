from django.db import migrations

NAME = "Start waiting publication exports"


def install_schedule(apps, schema_editor):
    """Every minute, an export logged while Redis was away (or whose worker died) is run:
    the database is the export queue. Editable afterwards in the admin (Periodic tasks)."""
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "stories.tasks.start_waiting_exports",
            "interval": every_minute,
            "expire_seconds": 60,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0001_override_approvals"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_schedule, remove_schedule)]
