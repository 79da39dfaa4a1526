"""The benchmarks' own task: the baseline of the reminder sweep (one task per reminder)."""

from celery import shared_task
from django.core import mail

from investigation.models import Reminder
from investigation.reminders import delivery_send, reminder_message


@shared_task(name="bench_sweep.send_one_reminder")
def send_one_reminder(reminder_id):
    """The baseline's task: fetch one reminder and send it, on a connection of its own."""
    with mail.get_connection() as connection:
        return delivery_send(Reminder, reminder_id, reminder_message, connection)
