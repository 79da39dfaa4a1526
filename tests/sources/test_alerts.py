"""Alerts about identities go through the database first: a reveal or a hand-over writes its
alerts in its own transaction and never waits on Redis; a sweep sends each alert once."""

import ast
import socket
import time
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from kombu.exceptions import OperationalError

from investigation import celery_app
from investigation.models import Delivery
from sources.alerts import REVEAL_BURST_LIMIT, alerts_send
from sources.identity import identity_reveal, source_hand_over
from sources.models import Alert, Source
from sources.tasks import send_alerts
from tests.factories import make_source
from tests.harness import celery_app_using
from tests.mail_backends import read_mailbox

REASON = "Checking the spelling before the legal review."
SITE = "https://fieldbook.example.org"
Status = Delivery.Status


@pytest.fixture
def people(cast):
    for user in cast.values():
        user.email = f"{user.username}@example.org"
        user.save()
    return cast


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def burst(investigation, person, count=REVEAL_BURST_LIMIT + 1):
    sources = [make_source(investigation, person) for _ in range(count)]
    for source in sources:
        identity_reveal(source=source, user=person, reason=REASON)
    return sources


def test_the_reveal_that_crosses_the_limit_writes_one_alert_per_editor_and_sends_nothing_yet(
    people, investigation
):
    burst(investigation, people["reporter"], REVEAL_BURST_LIMIT)
    assert not Alert.objects.exists()  # five is the limit, not past it
    burst(investigation, people["reporter"], 1)
    alerts = Alert.objects.all()
    assert {alert.recipient.username for alert in alerts} == {"editor", "admin"}
    assert {(alert.kind, alert.status) for alert in alerts} == {("reveal_burst", "pending")}
    assert mail.outbox == []  # the request sent nothing: the sweep does


def test_the_sweep_sends_each_alert_once_with_codenames_and_no_identity(people, investigation):
    sources = burst(investigation, people["reporter"])
    assert alerts_send() == 2
    assert alerts_send() == 0
    assert sorted(message.to[0] for message in mail.outbox) == [
        "admin@example.org",
        "editor@example.org",
    ]
    body = mail.outbox[0].body
    assert "reporter revealed the identities of 6 sources" in body
    assert all(source.codename in body for source in sources)
    real_names = [source.real_name.reveal() for source in Source.objects.all()]
    assert not any(name in body + mail.outbox[0].subject for name in real_names)
    assert set(Alert.objects.values_list("status", flat=True)) == {Status.SENT}
    ids = {message.extra_headers["Message-ID"] for message in mail.outbox}
    assert len(ids) == 2  # one Message-ID per recipient, the same if it is ever resent


def test_an_alert_is_written_with_its_reveal_or_not_at_all(people, investigation):
    burst(investigation, people["reporter"], REVEAL_BURST_LIMIT)
    last = make_source(investigation, people["reporter"])
    with pytest.raises(RuntimeError), transaction.atomic():
        identity_reveal(source=last, user=people["reporter"], reason=REASON)
        raise RuntimeError("the request failed after the reveal")
    assert not Alert.objects.exists()


def test_an_alert_for_someone_no_longer_an_editor_is_not_sent(people, investigation):
    burst(investigation, people["reporter"])
    people["admin"].memberships.update(role="reporter")
    assert alerts_send() == 1
    assert [message.to for message in mail.outbox] == [["editor@example.org"]]
    cancelled = Alert.objects.get(recipient=people["admin"])
    assert cancelled.status == Status.CANCELLED


def test_a_hand_over_writes_an_alert_for_each_holder(people, investigation):
    source = make_source(investigation, people["reporter"])
    source_hand_over(source=source, to=people["reporter2"], by=people["editor"], reason=REASON)
    assert {alert.recipient.username for alert in Alert.objects.all()} == {
        "reporter",
        "reporter2",
    }
    assert alerts_send() == 2
    assert all("handed the source" in message.body for message in mail.outbox)


def test_without_a_broker_alerts_go_out_once_the_reveal_commits(
    people, investigation, django_capture_on_commit_callbacks
):
    """A fresh clone runs tasks inline and has no beat: the alert is sent after the commit."""
    assert celery_app.conf.task_always_eager
    with django_capture_on_commit_callbacks(execute=True):
        burst(investigation, people["reporter"])
    assert len(mail.outbox) == 2
    assert alerts_send() == 0


def test_identity_no_longer_imports_the_tasks_module():
    """sources.identity <-> sources.tasks was an import cycle; the alerts module broke it."""
    tree = ast.parse(Path("sources/identity.py").read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "sources.alerts" in imported  # a control: the walk found the imports
    assert "sources.tasks" not in imported


# Redis away, then a real worker ---------------------------------------------------------------


@pytest.fixture
def mailbox(tmp_path, monkeypatch, settings):
    """Emails any process sends land in this file (set before the worker starts)."""
    path = tmp_path / "mailbox.jsonl"
    backend = "tests.mail_backends.AppendingBackend"
    monkeypatch.delenv("EMAIL_URL", raising=False)
    for name, value in {"EMAIL_BACKEND": backend, "TEST_MAIL_FILE": path, "SITE_URL": SITE}.items():
        monkeypatch.setenv(name, str(value))
    settings.EMAIL_BACKEND = backend
    return path


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def worker(mailbox, request):
    return request.getfixturevalue("celery_worker")


@pytest.mark.redis
@pytest.mark.celery_worker
def test_reveals_while_redis_is_down_answer_and_the_alert_goes_out_once_a_worker_sweeps(
    transactional_db, mailbox, worker, client, people, investigation
):
    sources = [make_source(investigation, people["reporter"]) for _ in range(6)]
    client.force_login(people["reporter"])
    session = client.session
    session["authenticated_at"] = int(time.time())
    session.save()
    down = f"redis://127.0.0.1:{closed_port()}/0"
    with celery_app_using(celery_app, broker_url=down, queue=worker.queue):
        with pytest.raises(OperationalError), celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1)  # a control: Redis is away indeed
        statuses = [
            client.post(
                f"/admin/sources/source/{source.pk}/identity/", {"reveal": "1", "reason": REASON}
            ).status_code
            for source in sources
        ]
    assert statuses == [200] * 6
    assert set(Alert.objects.values_list("status", flat=True)) == {Status.PENDING}
    assert Alert.objects.count() == 2
    assert not mailbox.exists()

    assert send_alerts.delay().get(timeout=60) == 2  # a worker on Redis again: the sweep
    assert send_alerts.delay().get(timeout=60) == 0
    records = read_mailbox(mailbox)
    assert sorted(record["to"][0] for record in records) == [
        "admin@example.org",
        "editor@example.org",
    ]
    assert len({record["message_id"] for record in records}) == 2
    assert "reporter revealed the identities of 6 sources" in records[0]["body"]


def test_the_alert_sweep_is_scheduled_every_minute_for_a_task_that_exists(db):
    from django_celery_beat.models import PeriodicTask

    sweep = PeriodicTask.objects.get(name="Send alerts")
    assert (sweep.interval.every, sweep.interval.period) == (1, "minutes")
    celery_app.loader.import_default_modules()  # what a worker does: autodiscover tasks.py
    assert sweep.task in celery_app.tasks
    assert celery_app.tasks[sweep.task].run is send_alerts.run
