from django.db import migrations

# name: (task, schedule, expire_seconds). Editable afterwards in the admin (Periodic tasks).
# Welfare checks run before the digest, so that a new check is in that morning's digest.
# A run that waited in the queue longer than expire_seconds (workers down) is dropped: the
# next one does the same work.
EVERY_5_MINUTES = {"every": 5, "period": "minutes"}
DAILY_0530_UTC = {"minute": "30", "hour": "5", "timezone": "UTC"}
DAILY_0600_UTC = {"minute": "0", "hour": "6", "timezone": "UTC"}
SCHEDULES = {
    "Send due reminders": ("investigation.tasks.send_due_reminders", EVERY_5_MINUTES, 5 * 60),
    "Send daily digests": ("investigation.tasks.send_daily_digest", DAILY_0600_UTC, 6 * 3600),
    "Schedule welfare checks": ("sources.tasks.schedule_welfare_checks", DAILY_0530_UTC, None),
}
CRONTAB_DEFAULTS = {"day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}


def install_default_schedules(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, schedule, expire_seconds) in SCHEDULES.items():
        if "every" in schedule:
            interval, _ = IntervalSchedule.objects.get_or_create(**schedule)
            when = {"interval": interval}
        else:
            crontab, _ = CrontabSchedule.objects.get_or_create(**schedule, **CRONTAB_DEFAULTS)
            when = {"crontab": crontab}
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "expire_seconds": expire_seconds, **when}
        )


def remove_default_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=SCHEDULES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("investigation", "0004_reminders"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(install_default_schedules, remove_default_schedules)]
