"""The reminder sweep's budget: with nothing due it makes the same few queries however many
follow-ups wait, and on PostgreSQL each is served by its index rather than a scan of the
table. (Timings are bench_sweep's, not a test's.)"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from investigation.models import FollowUp, Reminder
from investigation.reminders import reminder_arm, reminders_send
from tests.factories import make_follow_up

DAY = datetime.timedelta(days=1)
# FollowUp.objects.out_of_step(), the follow-ups due soon without a reminder, the due scan.
SWEEP_QUERIES = 3
SWEEP_INDEXES = {"followup_out_of_step_idx", "followup_open_due_idx", "reminder_due_idx"}


def follow_ups_armed_in_the_admin(investigation, assignee, count):
    """`count` follow-ups due in three days and more, armed one by one as the admin arms them."""
    for n in range(count):
        due = timezone.now() + 3 * DAY + datetime.timedelta(minutes=n)
        reminder_arm(follow_up=make_follow_up(investigation, assignee, due_at=due))


def follow_ups_armed_in_bulk(investigation, assignee, count):
    """`count` follow-ups due in three days and more, as reminder_arm leaves them."""
    first = timezone.now() + 3 * DAY
    follow_ups = FollowUp.objects.bulk_create(
        FollowUp(
            investigation=investigation,
            assignee=assignee,
            title=f"Call back Amber Heron {n}",
            due_at=first + datetime.timedelta(minutes=n),
            armed_due_at=first + datetime.timedelta(minutes=n),
        )
        for n in range(count)
    )
    Reminder.objects.bulk_create(Reminder(follow_up=f, due_at=f.due_at) for f in follow_ups)


@pytest.mark.parametrize("waiting", [5, 50])
def test_a_sweep_with_nothing_due_makes_three_queries_however_many_follow_ups_wait(
    waiting, reporter, investigation, django_assert_num_queries
):
    follow_ups_armed_in_the_admin(investigation, reporter, waiting)
    with django_assert_num_queries(SWEEP_QUERIES):
        assert reminders_send() == 0
    assert Reminder.objects.filter(status=Reminder.Status.PENDING).count() == waiting


@pytest.mark.postgresql
def test_on_postgresql_a_sweep_with_nothing_due_reads_indexes_and_scans_no_table(
    reporter, investigation
):
    follow_ups_armed_in_bulk(investigation, reporter, 2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE investigation_followup, investigation_reminder")
        # A query that no longer implies its partial index's condition cannot use it: with
        # sequential scans priced out, its plan then shows a Seq Scan instead of the index.
        cursor.execute("SET LOCAL enable_seqscan = off")
    with CaptureQueriesContext(connection) as sweep:
        assert reminders_send() == 0
    plans = [explain(query["sql"]) for query in sweep.captured_queries]
    assert len(plans) == SWEEP_QUERIES
    for plan in plans:
        assert "Seq Scan" not in plan, plan
    assert {index for index in SWEEP_INDEXES if any(index in plan for plan in plans)} == (
        SWEEP_INDEXES
    )


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())
