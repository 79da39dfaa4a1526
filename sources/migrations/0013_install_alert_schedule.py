from django.db import migrations

# Alerts (sources.alerts) are written in the database with the reveal or hand-over and sent by
# this sweep: every minute, so that editors hear of a burst of reveals soon. A run that waited
# in the queue longer than a minute (workers down) is dropped: the next one does the same work.
NAME = "Send alerts"
TASK = "sources.tasks.send_alerts"
EVERY_MINUTE = {"every": 1, "period": "minutes"}


def install_alert_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(**EVERY_MINUTE)
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": TASK, "interval": interval, "expire_seconds": 60}
    )


def remove_alert_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0012_alerts"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_alert_schedule, remove_alert_schedule)]
