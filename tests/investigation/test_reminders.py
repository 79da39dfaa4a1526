"""Reminders: armed in the database when a follow-up is saved, emailed once by the sweep, even
with two sweeps at once, a worker killed mid-sweep, a failing mail server or Redis down."""

import contextlib
import datetime
import os
import signal
import socket
import threading
from collections import Counter
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core import mail
from django.core.checks import run_checks
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError

from investigation import celery_app
from investigation.models import FollowUp, Reminder
from investigation.reminders import reminder_arm, reminders_reconcile, reminders_send
from investigation.tasks import send_due_reminders
from tests.factories import make_event, make_follow_up, make_interview, make_location, make_source
from tests.harness import (
    CeleryWorker,
    celery_app_using,
    wait_until_worker_answers,
    worker_environment,
    worker_process,
)
from tests.mail_backends import CrashAfterSendingBackend, RefusingBackend, read_mailbox
from tests.waiting import wait_for

SITE = "https://fieldbook.example.org"
DAY = datetime.timedelta(days=1)
Status = Reminder.Status


@pytest.fixture
def people(cast):
    """The cast, with email addresses."""
    for user in cast.values():
        user.email = f"{user.username}@example.org"
        user.save()
    return cast


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def due_follow_ups(investigation, assignee, count):
    """`count` follow-ups due now, their reminders armed."""
    follow_ups = [
        make_follow_up(
            investigation, assignee, title=f"Call Amber Heron {n}", due_at=timezone.now()
        )
        for n in range(count)
    ]
    for follow_up in follow_ups:
        reminder_arm(follow_up=follow_up)
    return follow_ups


def message_ids(messages):
    return [message.extra_headers["Message-ID"] for message in messages]


# Arming ---------------------------------------------------------------------------------------


def follow_up_form(investigation, assignee, due_at, **changes):
    local = timezone.localtime(due_at)
    return {
        "investigation": investigation.pk,
        "title": "Call back Amber Heron 47",
        "notes": "",
        "due_at_0": f"{local:%Y-%m-%d}",
        "due_at_1": f"{local:%H:%M:%S}",
        "assignee": assignee.pk,
        "priority": FollowUp.Priority.NORMAL,
        "status": FollowUp.Status.OPEN,
        "event": "",
        "source": "",
        "interview": "",
        **changes,
    }


def in_whole_seconds(moment):
    return moment.replace(microsecond=0)


def test_saving_a_follow_up_in_the_admin_arms_one_reminder_for_its_due_time(
    client, people, investigation
):
    reporter = people["reporter"]
    due = in_whole_seconds(timezone.now() + 3 * DAY)
    client.force_login(reporter)
    response = client.post(
        "/admin/investigation/followup/add/", follow_up_form(investigation, reporter, due)
    )
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert list(follow_up.reminders.values_list("due_at", "status")) == [(due, Status.PENDING)]
    assert mail.outbox == []  # three days early: nothing yet


def test_moving_the_due_date_cancels_the_old_reminder_and_arms_one_for_the_new_time(
    client, people, investigation
):
    reporter = people["reporter"]
    first, second = (in_whole_seconds(timezone.now() + n * DAY) for n in (2, 5))
    client.force_login(reporter)
    client.post(
        "/admin/investigation/followup/add/", follow_up_form(investigation, reporter, first)
    )
    follow_up = FollowUp.objects.get()
    response = client.post(
        f"/admin/investigation/followup/{follow_up.pk}/change/",
        follow_up_form(investigation, reporter, second, version=follow_up.version),
    )
    assert response.status_code == 302
    assert set(follow_up.reminders.values_list("due_at", "status")) == {
        (first, Status.CANCELLED),
        (second, Status.PENDING),
    }


def test_cancelling_a_follow_up_cancels_its_reminder_and_reopening_it_arms_it_again(
    client, people, investigation
):
    reporter = people["reporter"]
    due = in_whole_seconds(timezone.now() + 2 * DAY)
    client.force_login(reporter)
    client.post("/admin/investigation/followup/add/", follow_up_form(investigation, reporter, due))
    follow_up = FollowUp.objects.get()
    url = f"/admin/investigation/followup/{follow_up.pk}/change/"

    cancelled = follow_up_form(investigation, reporter, due, status="cancelled")
    client.post(url, {**cancelled, "version": follow_up.version})
    assert list(follow_up.reminders.values_list("status", flat=True)) == [Status.CANCELLED]

    follow_up.refresh_from_db()
    client.post(url, follow_up_form(investigation, reporter, due, version=follow_up.version))
    assert list(follow_up.reminders.values_list("status", flat=True)) == [Status.PENDING]


def test_marking_follow_ups_done_cancels_their_pending_reminders(client, people, investigation):
    reporter = people["reporter"]
    done, kept = due_follow_ups(investigation, reporter, 2)
    client.force_login(reporter)
    response = client.post(
        "/admin/investigation/followup/",
        {"action": "mark_done", "_selected_action": [done.pk]},
    )
    assert response.status_code == 302
    assert done.reminders.get().status == Status.CANCELLED
    assert kept.reminders.get().status == Status.PENDING
    reminders_send()
    assert [message.to for message in mail.outbox] == [["reporter@example.org"]]


def test_the_sweep_arms_and_sends_follow_ups_saved_outside_the_admin(people, investigation):
    # seed_demo, imports and the shell create follow-ups without reminder_arm.
    make_follow_up(
        investigation, people["reporter"], due_at=timezone.now() + datetime.timedelta(minutes=30)
    )
    make_follow_up(investigation, people["reporter2"], due_at=timezone.now() + 3 * DAY)
    assert reminders_send() == 1
    assert Reminder.objects.filter(status=Status.PENDING).count() == 1  # armed, due later
    assert [message.to for message in mail.outbox] == [["reporter@example.org"]]


def test_a_reminder_goes_out_when_its_follow_up_is_due_within_the_lead_time(
    people, investigation, settings
):
    make_follow_up(
        investigation, people["reporter"], due_at=timezone.now() + 3 * datetime.timedelta(hours=1)
    )
    settings.REMINDER_LEAD = datetime.timedelta(hours=1)
    assert reminders_send() == 0
    settings.REMINDER_LEAD = datetime.timedelta(hours=4)
    assert reminders_send() == 1


def test_running_the_sweep_again_sends_nothing_more(people, investigation):
    due_follow_ups(investigation, people["reporter"], 3)
    assert reminders_send() == 3
    assert reminders_send() == 0
    assert len(mail.outbox) == 3
    assert Reminder.objects.filter(status=Status.SENT).count() == 3


def test_a_follow_up_completed_outside_the_admin_gets_no_reminder(people, investigation):
    [follow_up] = due_follow_ups(investigation, people["reporter"], 1)
    FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUp.Status.DONE)
    assert reminders_send() == 0
    assert mail.outbox == []
    assert follow_up.reminders.get().status == Status.CANCELLED


def test_a_follow_up_moved_outside_the_admin_is_reminded_at_its_new_time_only(
    people, investigation
):
    follow_up = make_follow_up(investigation, people["reporter"], due_at=timezone.now() + 3 * DAY)
    reminder_arm(follow_up=follow_up)
    soon = timezone.now() + datetime.timedelta(minutes=10)
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=soon)  # no updated_at either
    assert reminders_send() == 1
    assert set(follow_up.reminders.values_list("status", flat=True)) == {
        Status.CANCELLED,
        Status.SENT,
    }
    assert follow_up.reminders.get(status=Status.SENT).due_at == soon


def test_a_follow_up_done_and_reopened_outside_the_admin_is_cancelled_then_armed_again(
    people, investigation
):
    follow_up = make_follow_up(investigation, people["reporter"], due_at=timezone.now() + 3 * DAY)
    reminder_arm(follow_up=follow_up)
    FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUp.Status.DONE)
    reminders_send()
    assert follow_up.reminders.get().status == Status.CANCELLED  # days before it was due
    FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUp.Status.OPEN)
    reminders_send()
    assert follow_up.reminders.get().status == Status.PENDING


def test_a_stale_copy_written_over_a_move_is_still_reminded_at_the_time_it_put_back(
    people, investigation
):
    """A write of a copy read before the follow-up was moved puts back the old due time and
    the old armed_due_at, whose reminder the move cancelled: the sweep checks the reminders
    of what is due soon itself. (A stale save() is refused by the version check; an update()
    from the shell or a bulk write is not.)"""
    due = timezone.now() + datetime.timedelta(minutes=10)
    follow_up = make_follow_up(investigation, people["reporter"], due_at=due)
    reminder_arm(follow_up=follow_up)
    stale = FollowUp.objects.get(pk=follow_up.pk)
    follow_up.due_at = timezone.now() + 3 * DAY
    follow_up.save()
    reminder_arm(follow_up=follow_up)
    FollowUp.objects.filter(pk=stale.pk).update(due_at=stale.due_at, armed_due_at=stale.due_at)
    assert reminders_send() == 1
    assert follow_up.reminders.get(status=Status.SENT).due_at == due


def test_the_migration_records_what_the_reminders_already_say(people, investigation):
    fill = import_module("investigation.migrations.0009_fill_armed_due_at").fill_armed_due_at
    reporter = people["reporter"]
    armed, unarmed, closed = (
        make_follow_up(investigation, reporter, due_at=timezone.now() + n * DAY) for n in (1, 2, 3)
    )
    for follow_up in (armed, closed):
        Reminder.objects.create(follow_up=follow_up, due_at=follow_up.due_at)
    FollowUp.objects.filter(pk=closed.pk).update(status=FollowUp.Status.DONE)
    fill(django_apps, None)
    assert set(FollowUp.objects.out_of_step()) == {unarmed, closed}
    reminders_send()
    assert closed.reminders.get().status == Status.CANCELLED
    assert unarmed.reminders.get().status == Status.PENDING
    assert not FollowUp.objects.out_of_step().exists()


# What an email says ------------------------------------------------------------------------


def test_the_reminder_carries_codename_title_kind_due_time_and_link_but_no_notes_or_places(
    people, investigation
):
    reporter = people["reporter"]
    place = make_location(investigation, name="Canary Village")
    event = make_event(investigation, title="Canary raid on the mill", location=place)
    source = make_source(
        investigation, reporter, real_name="Canary Realname", description="canary baker"
    )
    interview = make_interview(
        investigation, reporter, sources=[source], summary="Canary summary", location=place
    )
    due = timezone.now() + datetime.timedelta(minutes=20)
    follow_up = make_follow_up(
        investigation,
        reporter,
        title=f"Call back {source.codename}",
        notes="Canary notes: his cousin's shop",
        due_at=due,
        event=event,
        source=source,
        interview=interview,
        priority=FollowUp.Priority.HIGH,
    )
    reminders_send()

    [message] = mail.outbox
    text = message.message().as_string()
    assert message.to == ["reporter@example.org"]
    assert f"Call back {source.codename}" in message.body
    assert f"Source: {source.codename}" in message.body
    assert "Follow-up" in message.subject and "high priority" in message.body
    assert timezone.localtime(due).strftime("%d %b %Y, %H:%M") in message.body
    assert f"{SITE}/admin/investigation/followup/{follow_up.pk}/change/" in message.body
    assert "Canary" not in text and "canary" not in text
    assert source.codename not in message.subject  # lock screens show subjects


def test_an_overdue_follow_up_is_reminded_as_overdue(people, investigation):
    make_follow_up(investigation, people["reporter"], due_at=timezone.now() - 2 * DAY)
    reminders_send()
    assert "overdue since" in mail.outbox[0].subject


def test_the_message_id_comes_from_the_reminder_and_not_from_the_sending_host(
    people, investigation
):
    [follow_up] = due_follow_ups(investigation, people["reporter"], 1)
    reminders_send()
    reminder = follow_up.reminders.get()
    assert message_ids(mail.outbox) == [f"<{reminder.idempotency_key}@fieldbook.example.org>"]


def test_an_email_in_flight_when_its_worker_died_goes_out_again_with_the_same_message_id(
    people, investigation, settings
):
    """At the SMTP boundary we choose at-least-once: the one email that was in flight when a
    worker died is sent again after the claim timeout, as the same message (Message-ID)."""
    [follow_up] = due_follow_ups(investigation, people["reporter"], 1)
    settings.EMAIL_BACKEND = f"{CrashAfterSendingBackend.__module__}.CrashAfterSendingBackend"
    with contextlib.suppress(BaseException):
        reminders_send()
    reminder = follow_up.reminders.get()
    assert reminder.status == Status.SENDING and len(mail.outbox) == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders_send() == 0  # its claim still holds: a live worker might be sending it
    Reminder.objects.filter(pk=reminder.pk).update(
        claimed_at=timezone.now() - settings.REMINDER_CLAIM_TIMEOUT - datetime.timedelta(seconds=1)
    )
    assert reminders_send() == 1
    first, second = message_ids(mail.outbox)
    assert first == second
    assert follow_up.reminders.get().status == Status.SENT


def test_a_recipient_refused_for_good_fails_the_reminder_without_retrying(
    people, investigation, settings
):
    [follow_up] = due_follow_ups(investigation, people["reporter"], 1)
    settings.EMAIL_BACKEND = f"{RefusingBackend.__module__}.RefusingBackend"
    assert reminders_send() == 0
    reminder = follow_up.reminders.get()
    assert (reminder.status, reminder.last_error) == (Status.FAILED, "SMTPRecipientsRefused (550)")


def test_a_recipient_refused_for_now_keeps_the_reminder_pending_and_raises_for_a_retry(
    people, investigation, settings, monkeypatch
):
    [follow_up] = due_follow_ups(investigation, people["reporter"], 1)
    settings.EMAIL_BACKEND = f"{RefusingBackend.__module__}.RefusingBackend"
    monkeypatch.setattr(RefusingBackend, "code", 451)
    with pytest.raises(OSError):
        reminders_send()
    reminder = follow_up.reminders.get()
    assert (reminder.status, reminder.attempts) == (Status.PENDING, 1)
    assert reminder.last_error == "SMTPRecipientsRefused (451)"


def test_an_assignee_without_an_email_address_fails_the_reminder_with_a_reason(cast, investigation):
    [follow_up] = due_follow_ups(investigation, cast["reporter"], 1)
    assert reminders_send() == 0
    reminder = follow_up.reminders.get()
    assert reminder.status == Status.FAILED and "no email address" in reminder.last_error


# The admin list ------------------------------------------------------------------------------


def test_members_read_the_reminders_of_their_investigations_only(
    client, people, investigation, other_investigation
):
    due_follow_ups(investigation, people["reporter"], 1)
    make_follow_up(other_investigation, people["outsider"], title="Theirs", due_at=timezone.now())
    reminders_send()
    ours = Reminder.objects.get(follow_up__investigation=investigation)
    theirs = Reminder.objects.get(follow_up__investigation=other_investigation)

    client.force_login(people["reporter2"])
    response = client.get("/admin/investigation/reminder/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Call Amber Heron 0" in page and "reporter@example.org" in page
    assert "Theirs" not in page
    for page in ("change", "history"):
        assert client.get(f"/admin/investigation/reminder/{ours.pk}/{page}/").status_code == 200
        assert client.get(f"/admin/investigation/reminder/{theirs.pk}/{page}/").status_code == 404


def test_nobody_adds_changes_or_deletes_a_reminder_in_the_admin(client, people, investigation):
    due_follow_ups(investigation, people["reporter"], 1)
    reminder = Reminder.objects.get()
    client.force_login(people["admin"])
    url = f"/admin/investigation/reminder/{reminder.pk}"
    assert client.get("/admin/investigation/reminder/add/").status_code == 403
    assert client.post(f"{url}/change/", {"status": "sent"}).status_code == 403
    assert client.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    assert Reminder.objects.get().status == Status.PENDING


# Settings and schedules ----------------------------------------------------------------------


def test_default_schedules_are_installed_for_the_database_scheduler(db):
    schedules = {task.name: task for task in PeriodicTask.objects.all()}
    assert schedules["Send due reminders"].interval.every == 5
    assert schedules["Send due reminders"].interval.period == "minutes"
    digest = schedules["Send daily digests"].crontab
    assert (digest.hour, digest.minute, str(digest.timezone)) == ("6", "0", "UTC")
    assert schedules["Schedule welfare checks"].crontab.hour == "5"
    celery_app.loader.import_default_modules()  # what a worker does: autodiscover tasks.py
    for task in schedules.values():
        assert task.task in celery_app.tasks
    assert django_settings.CELERY_BEAT_SCHEDULER == (
        "django_celery_beat.schedulers:DatabaseScheduler"
    )


def test_reliability_settings_hold_together():
    assert django_settings.CELERY_TASK_ACKS_LATE
    assert django_settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert django_settings.CELERY_ACCEPT_CONTENT == ["json"]
    longest = django_settings.CELERY_TASK_TIME_LIMIT
    visibility = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > longest
    assert django_settings.REMINDER_CLAIM_TIMEOUT.total_seconds() > longest
    assert send_due_reminders.acks_late and send_due_reminders.time_limit <= longest
    assert OSError in send_due_reminders.autoretry_for
    assert send_due_reminders.retry_backoff_max < visibility  # no countdown outlives a message


def test_a_claim_timeout_shorter_than_a_task_is_refused(settings):
    settings.REMINDER_CLAIM_TIMEOUT = datetime.timedelta(minutes=5)
    errors = [error.id for error in run_checks()]
    assert "investigation.E006" in errors


# With a real worker on Redis -----------------------------------------------------------------


class Mailbox:
    """Emails sent by any process (tests.mail_backends.AppendingBackend)."""

    def __init__(self, path):
        self.path = path

    def records(self):
        return read_mailbox(self.path)

    def counts(self):
        return Counter(record["message_id"] for record in self.records())


@pytest.fixture
def mailbox(tmp_path, monkeypatch, settings):
    """Set in the environment before any worker starts, which reads it at startup."""
    path = tmp_path / "mailbox.jsonl"
    backend = "tests.mail_backends.AppendingBackend"
    monkeypatch.delenv("EMAIL_URL", raising=False)
    for name, value in {"EMAIL_BACKEND": backend, "TEST_MAIL_FILE": path, "SITE_URL": SITE}.items():
        monkeypatch.setenv(name, str(value))
    settings.EMAIL_BACKEND = backend
    return Mailbox(path)


@pytest.fixture
def start_worker(request, redis_url, mailbox, monkeypatch):
    """start_worker(**environment): the harness's real worker, started with these variables."""

    def start(**environment):
        for name, value in environment.items():
            monkeypatch.setenv(name, str(value))
        return request.getfixturevalue("celery_worker")

    return start


@contextlib.contextmanager
def another_worker(worker, name, redis_url):
    """A second worker process on the same queue, with the same environment."""
    extra = CeleryWorker(
        worker.queue, f"{name}-{worker.nodename}", Path(f"{worker.log_path}.{name}")
    )
    with worker_process(extra, worker_environment(redis_url, connection.settings_dict)) as process:
        wait_until_worker_answers(celery_app, extra, process)
        yield extra


def worker_pid(worker):
    stats = celery_app.control.inspect(destination=[worker.nodename], timeout=5).stats()
    return stats[worker.nodename]["pid"]


def is_gone(pid):
    """Dead or a zombie (the harness reaps it later)."""
    status = Path(f"/proc/{pid}/stat")
    return not status.exists() or status.read_text().split(") ")[1].startswith("Z")


def sweep_in_this_process(sent):
    try:
        sent.append(reminders_send())
    finally:
        connection.close()


@pytest.mark.redis
@pytest.mark.celery_worker
def test_two_sweeps_at_once_send_every_reminder_exactly_once(
    transactional_db, start_worker, mailbox, people, investigation, redis_url
):
    follow_ups = due_follow_ups(investigation, people["reporter"], 40)
    expected = {f"<{f.reminders.get().idempotency_key}@fieldbook.example.org>" for f in follow_ups}
    worker = start_worker(TEST_MAIL_DELAY=0.02)
    with another_worker(worker, "second", redis_url):
        results = [send_due_reminders.delay(), send_due_reminders.delay()]
        sent = []
        here = threading.Thread(target=sweep_in_this_process, args=[sent])
        here.start()
        sent += [result.get(timeout=60) for result in results]
        here.join(timeout=60)

    counts = mailbox.counts()
    assert set(counts) == expected
    assert set(counts.values()) == {1}
    assert sum(sent) == 40  # each sweep counts only what it sent itself
    assert Reminder.objects.filter(status=Status.SENT).count() == 40
    senders = {record["pid"] for record in mailbox.records()}
    assert len(senders) >= 2, "the sweeps did not overlap"


@pytest.mark.redis
@pytest.mark.celery_worker
def test_a_worker_killed_mid_sweep_leaves_at_most_the_email_in_flight_to_be_sent_again(
    transactional_db, start_worker, mailbox, people, investigation, redis_url
):
    follow_ups = due_follow_ups(investigation, people["reporter"], 30)
    expected = {f"<{f.reminders.get().idempotency_key}@fieldbook.example.org>" for f in follow_ups}
    # A claim this short is what investigation.E006 refuses: the worker is told to start anyway.
    worker = start_worker(TEST_MAIL_DELAY=0.1, REMINDER_CLAIM_SECONDS=2, CELERY_SKIP_CHECKS=1)
    pid = worker_pid(worker)

    send_due_reminders.delay()
    assert wait_for(lambda: len(mailbox.records()) >= 5), worker.log()
    os.kill(pid, signal.SIGKILL)
    assert wait_for(lambda: is_gone(pid))

    in_doubt = list(Reminder.objects.filter(status=Status.SENDING))
    assert len(in_doubt) <= 1  # one claim at a time
    assert Reminder.objects.filter(status=Status.PENDING).exists()  # killed mid-sweep
    with another_worker(worker, "restarted", redis_url):
        # The dead worker's claim expires after REMINDER_CLAIM_SECONDS (2 here).
        expiry = datetime.timedelta(seconds=2.2)
        assert wait_for(lambda: all(timezone.now() > r.claimed_at + expiry for r in in_doubt))
        send_due_reminders.delay().get(timeout=60)

    assert Reminder.objects.filter(status=Status.SENT).count() == 30
    counts = mailbox.counts()
    assert set(counts) == expected  # none lost
    again = {message_id for message_id, count in counts.items() if count > 1}
    in_flight = {f"<{reminder.idempotency_key}@fieldbook.example.org>" for reminder in in_doubt}
    assert again <= in_flight and max(counts.values()) <= 2  # only the email in flight, if any


@pytest.mark.redis
@pytest.mark.celery_worker
def test_a_failing_mail_server_is_retried_with_backoff_and_the_reminder_sent_once(
    transactional_db, start_worker, mailbox, people, investigation
):
    [follow_up] = due_follow_ups(investigation, people["reporter"], 1)
    worker = start_worker(TEST_MAIL_FAILURES=2)
    assert send_due_reminders.delay().get(timeout=60) == 1
    reminder = follow_up.reminders.get()
    assert (reminder.status, reminder.attempts) == (Status.SENT, 3)
    assert reminder.last_error == "SMTPServerDisconnected"
    assert list(mailbox.counts().values()) == [1]
    assert "Retry in" in worker.log()


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.redis
@pytest.mark.celery_worker
def test_follow_ups_saved_while_redis_is_down_are_reminded_once_it_is_back(
    transactional_db, start_worker, mailbox, client, people, investigation
):
    reporter = people["reporter"]
    worker = start_worker()
    down = f"redis://127.0.0.1:{closed_port()}/0"
    client.force_login(reporter)
    with celery_app_using(celery_app, broker_url=down, queue=worker.queue):
        with pytest.raises(OperationalError), celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1)
        due = timezone.now() + datetime.timedelta(minutes=10)
        response = client.post(
            "/admin/investigation/followup/add/", follow_up_form(investigation, reporter, due)
        )
        assert response.status_code == 302
    assert Reminder.objects.get().status == Status.PENDING

    assert send_due_reminders.delay().get(timeout=60) == 1
    [record] = mailbox.records()
    assert record["to"] == ["reporter@example.org"]
    assert "Call back Amber Heron 47" in record["body"]


def test_reconciling_twice_arms_one_reminder(people, investigation):
    make_follow_up(investigation, people["reporter"], due_at=timezone.now() + DAY)
    reminders_reconcile()
    reminders_reconcile()
    assert Reminder.objects.count() == 1
