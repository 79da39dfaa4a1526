"""Large imports on a Celery worker (investigation.models.ImportJob): a progress page, a
confirmation, an email at each step, only the investigation's Admins, the database as the
outbox when Redis is away, and the sweep that sends again, emails again and cleans up."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from investigation.importexport import (
    import_file_names,
    import_job_progress,
    import_job_reporter,
    import_jobs_sweep,
)
from investigation.models import ImportJob
from investigation.tasks import run_import_job
from tests.events.test_import_export import preview, table
from tests.factories import make_member
from tests.waiting import wait_for

HEADER = ["id", "kind", "title", "date", "date_precision"]


def rows(count, *, bad_row=None):
    lines = [["", "raid", f"Raid {n}", "2019-05-14", "day"] for n in range(count)]
    if bad_row is not None:
        lines[bad_row][3] = "not a date"
    return table(HEADER, *lines)


@pytest.fixture
def media_root(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "private"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))  # for a worker's process
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_client(client, cast, media_root, settings):
    settings.IMPORT_ASYNC_ROWS = 3
    cast["admin"].email = "admin@example.org"
    cast["admin"].save()
    client.force_login(cast["admin"])
    return client


def start(client, investigation, data, capture):
    with capture(execute=True):
        response = preview(client, "events_event", investigation, data)
    return response, ImportJob.objects.get()


def test_a_file_above_the_threshold_is_checked_by_a_worker_then_confirmed_then_imported(
    admin_client, investigation, django_capture_on_commit_callbacks, mailoutbox
):
    response, job = start(admin_client, investigation, rows(5), django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response.url == job.get_absolute_url()
    job.refresh_from_db()
    assert (job.kind, job.status, job.rows, job.new_rows, job.confirmed) == (
        "spreadsheet", "ready", 5, 5, False,
    )  # fmt: skip
    assert not Event.objects.exists()  # checked, nothing written
    page = admin_client.get(job.get_absolute_url())
    assert page.status_code == 200 and page.context["may_confirm"]
    assert "Would create 5" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(job.get_absolute_url())

    job.refresh_from_db()
    assert (job.status, job.rows_written, job.file) == ("done", 5, "")
    assert Event.objects.count() == 5
    assert import_file_names() == []
    assert [message.subject for message in mailoutbox] == [
        "Fieldbook: your spreadsheet import is checked and waits for your confirmation",
        "Fieldbook: your spreadsheet import is done",
    ]
    assert job.get_absolute_url() in mailoutbox[0].body


def test_a_large_file_with_a_bad_row_is_refused_on_its_page_and_leaves_nothing(
    admin_client, investigation, django_capture_on_commit_callbacks, mailoutbox
):
    _response, job = start(
        admin_client, investigation, rows(5, bad_row=3), django_capture_on_commit_callbacks
    )

    job.refresh_from_db()
    assert job.status == "refused" and job.file == ""
    page = admin_client.get(job.get_absolute_url())
    problems = [(p.row, p.column, p.value) for p in page.context["problems"]]
    assert problems == [(5, "date", "not a date")]
    assert not page.context["may_confirm"] and "Confirm import" not in page.content.decode()
    assert not Event.objects.exists() and import_file_names() == []
    assert (
        mailoutbox[0].subject
        == "Fieldbook: your spreadsheet import was refused: nothing was imported"
    )


def test_small_files_stay_in_the_request(admin_client, investigation):
    page = preview(admin_client, "events_event", investigation, rows(3))
    assert page.status_code == 200 and page.context["confirm_form"] is not None
    assert not ImportJob.objects.exists()


def test_a_job_page_is_for_the_investigations_admins_and_only_its_importer_confirms(
    admin_client, client, cast, investigation, other_investigation,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    _response, job = start(admin_client, investigation, rows(5), django_capture_on_commit_callbacks)
    second_admin = make_member(investigation, "admin", "second-admin")
    admin_there = make_member(other_investigation, "admin", "admin-there")

    for person, status in [(cast["editor"], 404), (admin_there, 404), (second_admin, 200)]:
        client.force_login(person)
        assert client.get(job.get_absolute_url()).status_code == status, person
    assert not client.get(job.get_absolute_url()).context["may_confirm"]
    client.post(job.get_absolute_url())  # the second Admin cannot confirm another's import
    job.refresh_from_db()
    assert (job.status, job.confirmed) == ("ready", False)
    assert not Event.objects.exists()


def test_the_progress_page_shows_rows_checked_while_a_worker_runs(
    admin_client, cast, investigation
):
    job = ImportJob.objects.create(
        investigation=investigation, user=cast["admin"], kind="spreadsheet",
        target="events.event", resource="events.resources.EventResource", format="csv",
        file="c" * 32, rows=20_000, status="running",
    )  # fmt: skip
    import_job_reporter(job)("checked", 1500)

    page = admin_client.get(job.get_absolute_url())

    assert import_job_progress(job) == {"checked": 1500, "written": 0}
    html = page.content.decode()
    assert 'http-equiv="refresh"' in html and "1,500" in html and "20,000" in html


def test_a_job_runs_once_however_often_its_task_is_delivered(
    admin_client, investigation, django_capture_on_commit_callbacks
):
    _response, job = start(admin_client, investigation, rows(5), django_capture_on_commit_callbacks)
    assert run_import_job(job.pk) is None  # already checked: nothing to claim
    job.refresh_from_db()
    assert job.status == "ready"


def test_a_large_import_asked_while_redis_is_away_waits_and_the_sweep_sends_it(
    admin_client, investigation, django_capture_on_commit_callbacks
):
    """No 500 and no wait: the job is a row; when the broker is back, the sweep sends it."""
    from investigation import celery_app
    from tests.harness import celery_app_using
    from tests.investigation.test_reminders import closed_port

    down = f"redis://127.0.0.1:{closed_port()}/0"
    with celery_app_using(celery_app, broker_url=down, queue="nowhere"):
        started = time.monotonic()
        response, job = start(
            admin_client, investigation, rows(5), django_capture_on_commit_callbacks
        )
        seconds = time.monotonic() - started
        page = admin_client.get(job.get_absolute_url())

    assert response.status_code == 302 and seconds < 5
    job.refresh_from_db()
    assert job.status == "queued"
    assert page.status_code == 200 and "It waits for a background worker" in page.content.decode()

    assert import_jobs_sweep(now=timezone.now() + ImportJob.RESEND_AFTER * 2)["resent"] == 1

    job.refresh_from_db()
    assert job.status == "ready"


def test_an_email_the_mail_server_refused_is_sent_by_the_sweep(
    admin_client, investigation, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.EMAIL_BACKEND = "tests.mail_backends.RefusingBackend"
    _response, job = start(admin_client, investigation, rows(5), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == "ready" and job.notified_status == ""

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    import_jobs_sweep()

    job.refresh_from_db()
    assert job.notified_status == "ready"
    assert [m.subject for m in mailoutbox] == [
        "Fieldbook: your spreadsheet import is checked and waits for your confirmation"
    ]
    import_jobs_sweep()
    assert len(mailoutbox) == 1  # once


def test_a_checked_job_nobody_confirms_expires_with_its_file_after_a_day(
    admin_client, investigation, django_capture_on_commit_callbacks
):
    _response, job = start(admin_client, investigation, rows(5), django_capture_on_commit_callbacks)
    assert len(import_file_names()) == 1

    import_jobs_sweep(now=timezone.now() + datetime.timedelta(hours=25))

    job.refresh_from_db()
    assert (job.status, job.file) == ("expired", "")
    assert import_file_names() == []


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_and_imports_a_large_file(
    media_root, celery_worker, client, cast, investigation, settings
):
    settings.IMPORT_ASYNC_ROWS = 3
    client.force_login(cast["admin"])

    response = preview(client, "events_event", investigation, rows(50))

    job = ImportJob.objects.get()
    assert response.status_code == 302

    def settled():
        job.refresh_from_db()
        return not job.running

    wait_for(settled)
    assert job.status == "ready", celery_worker.log()
    client.post(job.get_absolute_url())
    wait_for(settled)
    assert (job.status, job.rows_written) == ("done", 50), celery_worker.log()
    assert Event.objects.filter(investigation=investigation).count() == 50
    assert import_file_names() == []
    assert (
        reverse("admin:events_event_changelist")
        in client.get(job.get_absolute_url()).content.decode()
    )


def test_the_sweep_is_scheduled_by_the_migrations(db):
    from django_celery_beat.models import PeriodicTask

    from investigation.tasks import sweep_import_jobs

    task = PeriodicTask.objects.get(name="Sweep import jobs")
    assert task.task == sweep_import_jobs.name and task.enabled
    assert (task.interval.every, task.interval.period) == (2, "minutes")
