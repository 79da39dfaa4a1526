"""Time the reminder sweep: reminders_send, which send_due_reminders runs every five minutes.

Not a test: timings depend on the machine. Run it by hand on PostgreSQL, e.g.
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldbook_sweep manage.py bench_sweep
Everything it creates is rolled back at the end, and every email goes to Django's locmem
backend: the mail server is the outside world, and only our own work is timed.

1. N open follow-ups (default 100,000), none due, each armed as reminder_arm leaves it (its
   pending reminder, its armed_due_at): the sweep, against the full reconcile it ran before
   migration 0008 (every follow-up compared with its reminders). Target: under 20 ms.
2. Then D more follow-ups (default 10,000), due: the sweep as built (one scan a batch of 50,
   one mail connection a batch) against one Celery task per reminder, applied eagerly, each
   fetching and sending its own row. Every run starts from the same rows: it runs in a
   savepoint that is rolled back after it (the rollback is timed too, in both cases).

Use a fresh or vacuumed database (make bench makes one): the rows an earlier run rolled back
stay in the indexes until VACUUM, and the scans step over them (23.7 ms for the first case
against 5.1 ms after a VACUUM, on the same machine).
"""

import contextlib
import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import F, Q
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from bench.tasks import send_one_reminder
from bench.timing import Figure, milliseconds, round_robin_seconds
from investigation.models import FollowUp, Investigation, Reminder
from investigation.reminders import (
    deliveries_send,
    reminder_arm,
    reminder_message,
    reminders_reconcile,
    reminders_send,
)

ASSIGNEES = 50
TARGET = 0.020  # seconds: the budget for a sweep with nothing due
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def measure(*, runs, stdout, follow_ups=100_000, due=10_000):
    """The sweep's figures (medians of `runs`, cases timed round robin), on rows created in a
    transaction that is rolled back."""
    if connection.vendor != "postgresql":
        raise CommandError("Run this on PostgreSQL (DATABASE_URL=postgres://...).")
    # DEBUG's query log would time Django's bookkeeping of 50,000 queries a run, not ours.
    quiet = override_settings(EMAIL_BACKEND=LOCMEM, DEBUG=False)
    with transaction.atomic(), quiet, task_log_quiet():
        investigation, assignees = bench_people_create()
        stdout.write(f"Creating {follow_ups:,} follow-ups, none due, armed…")
        later = timezone.now() + settings.REMINDER_LEAD + datetime.timedelta(days=1)
        armed_follow_ups_create(investigation, assignees, follow_ups, later, minutes=1)
        analyze()
        stdout.write(f"Timing the sweep with nothing due, median of {runs} runs…")
        figures = nothing_due_figures(follow_ups, runs)
        stdout.write(f"Adding {due:,} follow-ups due now; timing the sweep that sends them…")
        overdue = timezone.now() - datetime.timedelta(days=1)
        armed_follow_ups_create(investigation, assignees, due, overdue, minutes=0.1)
        analyze()
        figures.append(due_figure(follow_ups, due, runs))
        transaction.set_rollback(True)
    return figures


# Nothing due ------------------------------------------------------------------------------------


def nothing_due_figures(follow_ups, runs):
    if FollowUp.objects.out_of_step().exists() or Reminder.objects.due(timezone.now()).exists():
        raise CommandError("Follow-ups out of step or due already: use a scratch database.")
    cases = {"sweep": nothing_sent(reminders_send), "before": nothing_sent(full_reconcile_sweep)}
    seconds = round_robin_seconds(runs, cases)
    with CaptureQueriesContext(connection) as queries:
        reminders_send()
    if Reminder.objects.exclude(status=Reminder.Status.PENDING).exists():
        raise CommandError("A sweep changed a reminder: the rows were not in step.")
    benchmark = f"Reminder sweep, {follow_ups:,} follow-ups, none due"
    return [
        Figure(
            benchmark,
            "reminders_send (the task send_due_reminders)",
            value=milliseconds(seconds["sweep"]),
            baseline="the full reconcile it ran before migration 0008 (anti-joins): "
            + milliseconds(seconds["before"]),
            ratio=seconds["sweep"] / seconds["before"],
            target=f"under {milliseconds(TARGET)}",
            met=seconds["sweep"] < TARGET,
        ),
        Figure(benchmark, "queries per sweep", value=f"{len(queries)} queries"),
    ]


def nothing_sent(sweep):
    def work():
        if sweep() != 0:
            raise CommandError("The sweep sent something: the benchmark times the wrong thing.")

    return work


def full_reconcile_sweep():
    """The sweep before migration 0008: it cancelled outdated reminders by joining every
    pending one with its follow-up, and armed the open follow-ups that no live reminder
    matched (an anti-join over both tables), then scanned for what was due."""
    Reminder.objects.pending().filter(
        ~Q(follow_up__status=FollowUp.Status.OPEN) | ~Q(follow_up__due_at=F("due_at"))
    ).update(status=Reminder.Status.CANCELLED)
    for follow_up in FollowUp.objects.unreminded():
        reminder_arm(follow_up=follow_up)
    due = Reminder.objects.due(timezone.now()).order_by("attempts", "due_at", "pk")
    return deliveries_send(due, reminder_message)


# Due ----------------------------------------------------------------------------------------


def due_figure(follow_ups, due, runs):
    cases = {
        "batched": lambda: sent_and_rolled_back(reminders_send, due),
        "per row": lambda: sent_and_rolled_back(one_task_per_reminder, due),
    }
    seconds = round_robin_seconds(runs, cases)
    return Figure(
        f"Reminder sweep, {due:,} due among {follow_ups + due:,} follow-ups",
        "reminders_send, batched (one scan and one mail connection per 50)",
        value=milliseconds(seconds["batched"]),
        baseline="one Celery task per reminder, applied eagerly: "
        + milliseconds(seconds["per row"]),
        ratio=seconds["batched"] / seconds["per row"],
    )


def sent_and_rolled_back(send, expected):
    """send() in a savepoint rolled back after it, so that each run starts from the same
    rows; it must have emailed all `expected` reminders."""
    mail.outbox = []
    with transaction.atomic():
        sent = send()
        transaction.set_rollback(True)
    if sent != expected or len(mail.outbox) != expected:
        raise CommandError(f"Sent {sent} of {expected}: the cases would compare nothing.")


def one_task_per_reminder():
    """The sweep with a task per row: the same reconcile, one scan for the due ids, then one
    task each, applied in this process (no broker: its round trips are not our work)."""
    reminders_reconcile()
    ids = list(Reminder.objects.due(timezone.now()).values_list("pk", flat=True))
    return sum(send_one_reminder.apply(args=[pk]).get() for pk in ids)


@contextlib.contextmanager
def task_log_quiet():
    """Celery logs each task it runs at INFO: 10,000 lines a run would time the terminal."""
    logger = logging.getLogger("celery.app.trace")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


# The rows -------------------------------------------------------------------------------------


def bench_people_create():
    investigation = Investigation.objects.create(title="Bench sweep", slug="bench-sweep")
    assignees = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-sweep-{n}", email=f"bench-sweep-{n}@example.org")
        for n in range(ASSIGNEES)
    )
    return investigation, assignees


def armed_follow_ups_create(investigation, assignees, count, first_due, *, minutes):
    """`count` open follow-ups due from `first_due` on, `minutes` apart, armed in bulk as
    reminder_arm arms one: a pending reminder for its due time, recorded as armed_due_at."""
    follow_ups = FollowUp.objects.bulk_create(
        (
            bench_follow_up(
                investigation, assignees, n, first_due + datetime.timedelta(minutes=n * minutes)
            )
            for n in range(count)
        ),
        batch_size=5000,
    )
    Reminder.objects.bulk_create(
        (Reminder(follow_up=follow_up, due_at=follow_up.due_at) for follow_up in follow_ups),
        batch_size=5000,
    )


def bench_follow_up(investigation, assignees, n, due_at):
    return FollowUp(
        investigation=investigation,
        title=f"Call back Amber Heron {n % 500} about the raid",
        due_at=due_at,
        armed_due_at=due_at,
        assignee=assignees[n % ASSIGNEES],
        priority=FollowUp.Priority.values[n % len(FollowUp.Priority.values)],
    )


def analyze():
    """Planner statistics, as a live database has them. Only our tables: a database-wide
    ANALYZE in this long transaction would hold the shared catalogs' locks (pg_authid ...)
    against every other database's ANALYZE until the rollback."""
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (FollowUp, Reminder))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")
