"""The canary sweep: plant unique identities, run every workflow, then look for them everywhere.

Where Fieldbook could leak an identity: the database (every table, history and the admin log
included, as a full SQL dump), Redis (broker messages and task results), logs, emails, exports
and the pages a colleague without need to know receives. The sweep must find zero canaries.
"""

import io
import logging
import re
import shutil
import subprocess
import time

import pytest
import redis
from django.core import mail
from django.core.management import call_command
from django.db import connection

from sources.identity import REVEAL_BURST_LIMIT, identity_reveal
from sources.models import Source
from sources.tasks import send_alerts
from tests.factories import make_event, make_source
from tests.waiting import wait_for

CANARIES = {
    "real_name": "Zahir Quuxbaum-Canary",
    "contact": "+964 771 234 9876 / @quux_canary",
    "identifying_notes": "canary-note: brother-in-law runs the Quux bakery",
    "sensitive_notes": "canary-sensitive: met behind the Quux mill",
}
REASON = "Checking the spelling for the legal review."


def hits(text, where):
    return [f"{name} in {where}" for name, canary in CANARIES.items() if canary in text]


def sql_dump():
    """Every row of every table, as text: pg_dump on PostgreSQL, iterdump on SQLite."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    database = connection.settings_dict
    command = [shutil.which("pg_dump") or "pg_dump", "--data-only", "--no-owner"]
    command += ["-h", database["HOST"] or "127.0.0.1", "-U", database["USER"] or "postgres"]
    if database["PORT"]:
        command += ["-p", str(database["PORT"])]
    result = subprocess.run([*command, database["NAME"]], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def redis_keyspace(url):
    client = redis.Redis.from_url(url)
    dump = []
    for key in client.scan_iter():
        kind = client.type(key).decode()
        if kind == "string":
            dump.append(client.get(key))
        elif kind == "list":
            dump.extend(client.lrange(key, 0, -1))
        elif kind == "hash":
            dump.extend(client.hgetall(key).values())
        elif kind == "set":
            dump.extend(client.smembers(key))
        elif kind == "zset":
            dump.extend(client.zrange(key, 0, -1))
    return b"\n".join(dump).decode("utf-8", errors="replace")


def admin_form(source, **changes):
    data = {
        "version": Source.objects.get(pk=source.pk).version,  # a form opened just now
        "investigation": source.investigation_id,
        "description": source.description,
        "category": source.category,
        "protection_level": source.protection_level,
        "handler": source.handler_id,
        "attribution_terms": "",
        "last_contact_at": "",
        "interviewsource_set-TOTAL_FORMS": "0",
        "interviewsource_set-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


@pytest.fixture
def worker_mail(tmp_path, monkeypatch):
    """Emails the Celery worker sends land in files here (set before the worker starts)."""
    directory = tmp_path / "worker-mail"
    monkeypatch.setenv("EMAIL_URL", f"file://{directory}")
    return directory


@pytest.mark.usefixtures("worker_mail")
def test_no_planted_identity_is_found_anywhere_after_every_workflow(
    worker_mail, celery_worker, redis_url, client, cast, investigation, caplog, settings
):
    caplog.set_level(logging.DEBUG)
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.SITE_URL = "https://fieldbook.example.org"
    for user in cast.values():
        user.email = f"{user.username}@example.org"
        user.save()
    reporter, reporter2, editor = cast["reporter"], cast["reporter2"], cast["editor"]
    event = make_event(investigation, title="Night raid on farm sheds")

    # Create, as the handler, through the admin.
    client.force_login(reporter)
    session = client.session
    session["authenticated_at"] = int(time.time())
    session.save()
    response = client.post(
        "/admin/sources/source/add/",
        {
            "investigation": investigation.pk,
            "description": "farmer, Hawija district",
            "category": "civilian",
            "protection_level": "anonymous",
            "handler": reporter.pk,
            "attribution_terms": "a farmer in Hawija district",
            "last_contact_at": "",
            "real_name": CANARIES["real_name"],
            "contact": CANARIES["contact"],
            "identifying_notes": CANARIES["identifying_notes"],
            "interviewsource_set-TOTAL_FORMS": "0",
            "interviewsource_set-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    source = Source.objects.get(description="farmer, Hawija district")

    # An interview with sensitive notes, linked to the event.
    response = client.post(
        "/admin/sources/interview/add/",
        {
            "investigation": investigation.pk,
            "conducted_at_0": "2019-03-02",
            "conducted_at_1": "10:00:00",
            "mode": "in_person",
            "interviewer": reporter.pk,
            "location": "",
            "language": "Arabic",
            "summary": "Talked about the raid.",
            "field_notes": "",
            "sensitive_notes": CANARIES["sensitive_notes"],
            "interviewsource_set-TOTAL_FORMS": "1",
            "interviewsource_set-INITIAL_FORMS": "0",
            "interviewsource_set-MIN_NUM_FORMS": "1",
            "interviewsource_set-0-source": source.pk,
            "interviewevent_set-TOTAL_FORMS": "1",
            "interviewevent_set-INITIAL_FORMS": "0",
            "interviewevent_set-0-event": event.pk,
            "attachments-TOTAL_FORMS": "0",
            "attachments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    # Edit the ordinary fields, reveal, change the identity, review, search.
    response = client.post(
        f"/admin/sources/source/{source.pk}/change/", admin_form(source, description="farmer")
    )
    assert response.status_code == 302
    identity_url = f"/admin/sources/source/{source.pk}/identity/"
    assert (
        CANARIES["real_name"]
        in client.post(identity_url, {"reveal": "1", "reason": REASON}).content.decode()
    )
    client.post(
        identity_url,
        {
            "change": "1",
            "real_name": CANARIES["real_name"],
            "contact": CANARIES["contact"],
            "identifying_notes": CANARIES["identifying_notes"],
            "change_reason": "Re-typed the same details.",
        },
    )
    client.get("/admin/sources/source/", {"q": CANARIES["real_name"]})
    # Change the sensitive notes (the old text is kept as an encrypted revision), read them
    # and their earlier versions, and save from an older reading (the conflict page).
    notes_url = f"/admin/sources/interview/{source.interviews.get().pk}/notes/"
    read = client.post(notes_url, {"reveal": "1", "reason": REASON}).content.decode()
    seen = read.split('name="seen" value="')[1].split('"')[0]
    changed_notes = {"change": "1", "change_reason": "Re-typed the notes.", "seen": seen}
    client.post(notes_url, {**changed_notes, "notes": CANARIES["sensitive_notes"] + " (2)"})
    client.post(f"{notes_url}earlier/", {"reveal": "1", "reason": REASON})
    stale = client.post(notes_url, {**changed_notes, "notes": CANARIES["sensitive_notes"]})
    assert stale.status_code == 409

    client.force_login(editor)
    response = client.post(
        f"/admin/sources/source/{source.pk}/change/",
        admin_form(source, description="farmer", review_status="cleared", review_note="ok"),
    )
    assert response.status_code == 302

    # A burst of reveals: the editors' alert, written with the reveal, goes out through the
    # real worker on Redis when the sweep runs (beat would start it every minute).
    others = [make_source(investigation, reporter) for _ in range(REVEAL_BURST_LIMIT)]
    for revealed in [source, *others]:
        identity_reveal(source=revealed, user=reporter, reason=REASON)
    send_alerts.delay()
    assert wait_for(lambda: worker_mail.exists() and any(worker_mail.iterdir())), (
        celery_worker.log()
    )

    # A forced error while an identity is in memory: the error email and the log.
    client.force_login(reporter)

    def explode(**kwargs):
        raise RuntimeError("forced failure during a reveal")

    from sources import identity

    original = identity.IdentityAccess.objects.create
    identity.IdentityAccess.objects.create = explode
    client.raise_request_exception = False
    try:
        assert client.post(identity_url, {"reveal": "1", "reason": REASON}).status_code == 500
    finally:
        identity.IdentityAccess.objects.create = original

    # Exports that exist: dumpdata.
    exported = io.StringIO()
    call_command("dumpdata", stdout=exported)

    # What a colleague without need to know receives.
    client.force_login(reporter2)
    pages = [
        "/admin/",
        "/admin/sources/source/",
        f"/admin/sources/source/{source.pk}/change/",
        f"/admin/sources/source/{source.pk}/history/",
        f"/admin/sources/interview/{source.interviews.get().pk}/change/",
        f"/admin/sources/interview/{source.interviews.get().pk}/history/",
    ]
    responses = [client.get(url) for url in pages]
    assert [response.status_code for response in responses] == [200] * len(pages)
    colleague_html = "\n".join(response.content.decode() for response in responses)

    # Delete the interview (its history stays) and then sweep.
    client.force_login(editor)
    interview = source.interviews.get()
    client.post(f"/admin/sources/interview/{interview.pk}/delete/", {"post": "yes"})

    emails = "\n".join(message.message().as_string() for message in mail.outbox) + "\n".join(
        path.read_text() for path in worker_mail.iterdir()
    )
    dump, keyspace, worker_log = sql_dump(), redis_keyspace(redis_url), celery_worker.log()
    found = [
        *hits(dump, "the SQL dump"),
        *hits(keyspace, "Redis"),
        *hits(caplog.text, "the logs"),
        *hits(worker_log, "the worker's log"),
        *hits(emails, "emails"),
        *hits(exported.getvalue(), "dumpdata"),
        *hits(colleague_html, "a non-handler's pages"),
    ]
    assert found == []
    # The sweep looked at real material: each place it searched holds what it should.
    assert "forced failure during a reveal" in emails  # the error email was sent
    assert source.codename in emails and source.codename in colleague_html
    # The rows themselves, not a table name (every dump names every table): the source, the
    # access log's reasons, and the identity stored encrypted.
    assert source.codename in dump and REASON in dump and "fb1:" in dump
    assert celery_worker.queue in keyspace  # the worker's queue binding: the keyspace was read
    assert "forced failure during a reveal" in caplog.text
    assert re.search(r"Task \S+\[[0-9a-f-]+\] received", worker_log), worker_log
    assert source.codename in exported.getvalue()


SOURCE_ADD = {
    "description": "farmer",
    "category": "civilian",
    "protection_level": "anonymous",
    "interviewsource_set-TOTAL_FORMS": "0",
    "interviewsource_set-INITIAL_FORMS": "0",
}
INTERVIEW_ADD = {
    "conducted_at_0": "2019-03-02",
    "conducted_at_1": "10:00:00",
    "mode": "phone",
    "summary": "Talked.",
    **{
        f"{prefix}-{name}": "0"
        for prefix in ["interviewsource_set", "interviewevent_set", "attachments"]
        for name in ["TOTAL_FORMS", "INITIAL_FORMS"]
    },
}


@pytest.mark.parametrize(
    ("url", "field", "data"),
    [
        ("/admin/sources/source/add/", "real_name", SOURCE_ADD),
        ("/admin/sources/interview/add/", "sensitive_notes", INTERVIEW_ADD),
    ],
)
def test_an_error_while_saving_an_identity_reports_no_identity(
    client, cast, investigation, settings, monkeypatch, url, field, data
):
    """Django's error email lists the POST data; identity fields are hidden from it."""
    from django.contrib import admin

    settings.ADMINS = [("Ops", "ops@example.org")]

    def explode(*args, **kwargs):
        raise RuntimeError("forced failure while saving")

    monkeypatch.setattr(admin.ModelAdmin, "save_model", explode)
    reporter = cast["reporter"]
    client.force_login(reporter)
    client.raise_request_exception = False
    people = {"handler": reporter.pk, "interviewer": reporter.pk}
    response = client.post(
        url, {"investigation": investigation.pk, **people, **data, field: "Error Canary"}
    )
    assert response.status_code == 500
    reports = "\n".join(message.message().as_string() for message in mail.outbox)
    assert "forced failure while saving" in reports
    assert "Error Canary" not in reports
