import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "investigation.settings")

app = Celery("investigation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
