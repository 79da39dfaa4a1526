"""The Celery application, its configuration from settings, and a worker or beat that refuses
to start while a system check fails."""

import io
import os
import sys

from celery import Celery
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "investigation.settings")

app = Celery("investigation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_to_start_when_checks_fail(sender=None, **kwargs):
    """A worker or beat starts only when `manage.py check` passes: a dangerous setting (a
    reminder claim shorter than a task may run, investigation.E006) fails loudly at startup
    instead of sending emails twice later. Celery logs and ignores an exception raised by a
    signal handler, hence SystemExit, after printing the errors. CELERY_SKIP_CHECKS (Celery's
    own switch for its Django checks) turns this off, for a test that needs a bad setting."""
    if os.environ.get("CELERY_SKIP_CHECKS"):
        return
    import django
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    django.setup()
    try:
        call_command("check", stdout=io.StringIO())
    except SystemCheckError as error:
        # The real stderr: beat has replaced sys.stderr with a logger by now.
        print(f"Fieldbook refuses to start: {error}", file=sys.__stderr__, flush=True)
        raise SystemExit(1) from None
