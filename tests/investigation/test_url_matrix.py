# ruff: noqa: E501 (the table has one URL per line)
"""Every URL of the project, as every kind of person, against a row of investigation A and a
row of investigation B: the status each must get, written down as a table.

A URL pattern without a row in MATRIX fails test_every_url_pattern_has_a_row_in_the_matrix,
so the table grows with the project: whoever adds a page decides, here, who may open it.

The people (columns, in this order):
  H   reporter in A who handles A's source and conducted A's interview
  R   reporter in A, no handler of anything
  E   editor in A
  A   admin in A
  X   reporter in A and admin in B (a role held in B gives nothing in A)
  O   outsider: editor in B only
  I   inactive account (was an admin in A)
  SR  superuser who is a reporter in A
  S0  superuser with no membership (sets things up, reads nothing)

Each row of the table: the URL pattern, then the statuses for a row of A and for a row of B,
nine each ("-" for the same as A's, for pages that are not about one row). Every GET is made
with a page of A's rows existing, so a 200 on a list means the list page opened, not that it
showed A's rows: the compartment tests check what lists show.
"""

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from django_otp.plugins.otp_totp.models import TOTPDevice

from investigation.models import (
    ImportJob,
    LeakOverride,
    Membership,
    PublicationExport,
    Reminder,
    Role,
)
from investigation.reminders import reminder_arm
from sources.models import IdentityAccess, SharedAccount
from stories.models import (
    Claim,
    Document,
    Evidence,
    FactcheckExport,
    OverrideApproval,
    Story,
)
from tests.factories import (
    make_actor,
    make_attachment,
    make_event,
    make_follow_up,
    make_interview,
    make_investigation,
    make_location,
    make_member,
    make_source,
    make_user,
)

PEOPLE = ["H", "R", "E", "A", "X", "O", "I", "SR", "S0"]


@pytest.fixture
def world(db, settings, tmp_path):
    """Investigations A and B with one row of every kind each, and the nine people."""
    settings.MEDIA_ROOT = tmp_path / "private"
    a = make_investigation(title="A", slug="inv-a")
    b = make_investigation(title="B", slug="inv-b")
    people = {
        "H": make_member(a, Role.REPORTER, "handler"),
        "R": make_member(a, Role.REPORTER, "reporter"),
        "E": make_member(a, Role.EDITOR, "editor"),
        "A": make_member(a, Role.ADMIN, "admin"),
        "X": make_member(a, Role.REPORTER, "double"),
        "O": make_member(b, Role.EDITOR, "outsider"),
        "I": make_member(a, Role.ADMIN, "inactive", is_active=False),
        "SR": make_member(a, Role.REPORTER, "rootreporter", is_superuser=True),
        "S0": make_user("root", is_superuser=True),
    }
    Membership.objects.create(investigation=b, user=people["X"], role=Role.ADMIN)
    b_reporter = make_member(b, Role.REPORTER, "breporter")
    rows = {
        "A": desk_rows(a, people["H"], people["A"]),
        "B": desk_rows(b, b_reporter, people["O"]),
    }
    rows["A"]["user"] = people["R"]
    rows["B"]["user"] = b_reporter
    shared = shared_rows()
    for side in ("A", "B"):
        rows[side].update(shared)
        rows[side]["totpdevice"] = TOTPDevice.objects.create(user=rows[side]["user"], name="app")
    return {"people": people, "rows": rows}


def desk_rows(investigation, reporter, admin):
    location = make_location(investigation)
    actor = make_actor(investigation)
    event = make_event(investigation, location=location, actors=[actor])
    source = make_source(investigation, reporter)
    interview = make_interview(
        investigation, reporter, sources=[source], events=[event], sensitive_notes="notes"
    )
    follow_up = make_follow_up(investigation, reporter, source=source)
    reminder_arm(follow_up=follow_up)
    export = PublicationExport.objects.create(
        investigation=investigation, user=admin, format="csv", status="refused"
    )
    approval = OverrideApproval.objects.create(
        investigation=investigation, refused_export=export, requested_by=admin, reason="r"
    )
    claim = Claim.objects.create(investigation=investigation, text="A claim.")
    document = Document.objects.create(
        investigation=investigation, title="A statement", file_kind="text"
    )
    document.file.save("statement", ContentFile(b"The coalition's statement.\n"))
    return {
        "investigation": investigation,
        "overrideapproval": approval,
        "claim": claim,
        "evidence": Evidence.objects.create(claim=claim, document=document),
        "document": document,
        "story": Story.objects.create(investigation=investigation),
        "sharedaccount": SharedAccount.objects.create(investigation=investigation, label="g"),
        "factcheckexport": FactcheckExport.objects.create(
            investigation=investigation, user=admin, format="csv", status="done"
        ),
        "location": location,
        "actor": actor,
        "event": event,
        "source": source,
        "interview": interview,
        "attachment": make_attachment(interview, reporter),
        "followup": follow_up,
        "reminder": Reminder.objects.get(follow_up=follow_up),
        "membership": Membership.objects.get(investigation=investigation, user=reporter),
        "identityaccess": IdentityAccess.objects.create(
            investigation=investigation, source=source, user=admin, action="reveal", reason="r"
        ),
        "publicationexport": export,
        "importjob": ImportJob.objects.create(
            investigation=investigation, user=admin, kind="spreadsheet", target="events.event"
        ),
        "leakoverride": LeakOverride.objects.create(
            export=export,
            user=admin,
            reason="r",
            row=1,
            event="e",
            field="f",
            codename="c",
            kind="name",
        ),  # fmt: skip
    }


def shared_rows():
    """Rows that belong to no investigation: the same row stands for A and for B."""
    now = timezone.now()
    interval = IntervalSchedule.objects.create(every=1, period="days")
    return {
        "group": Group.objects.get(name="Reporter"),
        "periodictask": PeriodicTask.objects.create(name="t", task="t", interval=interval),
        "intervalschedule": interval,
        "crontabschedule": CrontabSchedule.objects.create(),
        "solarschedule": SolarSchedule.objects.create(event="sunset", latitude=1, longitude=1),
        "clockedschedule": ClockedSchedule.objects.create(clocked_time=now),
        "accessattempt": AccessAttempt.objects.create(
            username="x",
            ip_address="10.0.0.1",
            user_agent="u",
            failures_since_start=1,
            attempt_time=now,
        ),  # fmt: skip
        "accesslog": AccessLog.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="u", attempt_time=now
        ),
        "accessfailurelog": AccessFailureLog.objects.create(
            username="x", ip_address="10.0.0.1", user_agent="u", attempt_time=now
        ),
    }


# URL patterns ---------------------------------------------------------------------------------


def url_patterns(patterns=None, prefix=""):
    """(route, pattern) for every URL pattern of the project, admin included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def model_of(route):
    """ "admin/sources/source/<path:object_id>/change/" -> "source"."""
    parts = route.split("/")
    return parts[2] if len(parts) > 3 and parts[0] == "admin" else None


def concrete_url(route, rows):
    """The route with its parameters filled in from one side's rows."""
    model = model_of(route)
    row = rows.get(model)
    if "<path:content_type_id>" in route:  # admin:view_on_site
        source = rows["source"]
        return f"/admin/r/{ContentType.objects.get_for_model(source).pk}/{source.pk}/"
    if route.startswith("admin/^(?P<app_label>"):
        return "/admin/sources/"
    if route == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if route == "admin/r/<path:anything>":
        return f"/admin/r/{rows['source'].pk}/"
    if "^([^/]+)/history/([^/]+)/$" in route:
        base = route.split("^")[0]
        version = row.history.first().history_id if hasattr(row, "history") else 1
        return f"/{base}{row.pk}/history/{version}/"
    if "publication-exports/<int:pk>" in route:
        return "/" + route.replace("<int:pk>", str(rows["publicationexport"].pk))
    if "import-jobs/<int:pk>" in route:
        return "/" + route.replace("<int:pk>", str(rows["importjob"].pk))
    if route.startswith("story/<slug:slug>/"):
        return "/" + route.replace("<slug:slug>", rows["investigation"].slug)
    if route.startswith("documents/<int:pk>/"):
        return "/" + route.replace("<int:pk>", str(rows["document"].pk))
    if "publication-overrides/<int:pk>" in route:
        return "/" + route.replace("<int:pk>", str(rows["overrideapproval"].pk))
    if "<int:object_id>/publication-export/" in route:
        return "/" + route.replace("<int:object_id>", str(rows["investigation"].pk))
    replacements = {
        "<path:object_id>": lambda: row.pk,
        "<id>": lambda: row.pk,
        "<int:pk>": lambda: (row or rows[route_model(route)]).pk,
    }
    url = route
    for placeholder, value in replacements.items():
        if placeholder in url:
            url = url.replace(placeholder, str(value()))
    return "/" + url


def route_model(route):
    """The row behind a <int:pk> outside the admin."""
    if route.startswith("sources/attachments/"):
        return "attachment"
    if route.startswith("map/events/"):
        return "event"
    if route.startswith("map/places/"):
        return "location"
    if route.startswith("documents/"):
        return "document"
    return model_of(route)


def logged_in_clients(world):
    """One client per person, logged in once."""
    clients = {}
    for name in PEOPLE:
        clients[name] = Client()
        clients[name].force_login(world["people"][name])
    return clients


def statuses(clients, url):
    return " ".join(str(clients[name].get(url).status_code) for name in PEOPLE)


# The table -----------------------------------------------------------------------------------
#                 people:  H   R   E   A   X   O   I   SR  S0
# 302 for I: an inactive account is logged out and sent to the login page.
# Rows of B: 404 for A's people, as for a row that does not exist; X (admin in B) and O see
# them. S0 sets up investigations and memberships and manages schedules, devices and login
# records, but reads no row of an investigation.

# fmt: off
MATRIX = [
    ('', '302 302 302 302 302 302 302 302 302', '-'),
    ('admin/r/<path:anything>', '404 404 404 404 404 404 404 404 404', '404 404 404 404 404 404 404 404 404'),
    ('admin/', '200 200 200 200 200 200 302 200 200', '-'),
    ('admin/login/', '302 302 302 302 302 302 200 302 302', '-'),
    ('admin/logout/', '405 405 405 405 405 405 302 405 405', '-'),
    ('admin/password_change/', '200 200 200 200 200 200 302 200 200', '-'),
    ('admin/password_change/done/', '200 200 200 200 200 200 302 200 200', '-'),
    ('admin/autocomplete/', '403 403 403 403 403 403 302 403 403', '-'),
    ('admin/jsi18n/', '200 200 200 200 200 200 302 200 200', '-'),
    ('admin/r/<path:content_type_id>/<path:object_id>/', '404 404 404 404 404 404 404 404 404', '404 404 404 404 404 404 404 404 404'),
    ('admin/auth/group/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/auth/group/add/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/auth/group/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/auth/group/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/auth/group/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/auth/group/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/django_celery_beat/periodictask/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/periodictask/add/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/periodictask/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/periodictask/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/periodictask/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/periodictask/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/django_celery_beat/clockedschedule/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/clockedschedule/add/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/clockedschedule/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/clockedschedule/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/clockedschedule/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/clockedschedule/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/django_celery_beat/crontabschedule/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/crontabschedule/add/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/crontabschedule/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/crontabschedule/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/crontabschedule/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/crontabschedule/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/django_celery_beat/solarschedule/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/solarschedule/add/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/solarschedule/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/solarschedule/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/solarschedule/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/solarschedule/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/django_celery_beat/intervalschedule/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/intervalschedule/add/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/django_celery_beat/intervalschedule/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/intervalschedule/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/intervalschedule/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/django_celery_beat/intervalschedule/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/investigation/investigation/<int:object_id>/publication-export/', '403 403 403 200 403 404 302 403 403', '404 404 404 404 200 403 302 403 403'),
    ('admin/investigation/investigation/publication-exports/<int:pk>/', '404 404 404 200 404 404 302 404 404', '404 404 404 404 200 404 302 404 404'),
    ('admin/investigation/investigation/publication-exports/<int:pk>/download/', '404 404 404 404 404 404 302 404 404', '404 404 404 404 404 404 302 404 404'),
    ('admin/investigation/investigation/publication-exports/<int:pk>/override/', '404 404 404 302 404 404 302 404 404', '404 404 404 404 302 404 302 404 404'),
    ('admin/investigation/investigation/publication-overrides/<int:pk>/', '404 404 200 200 404 404 302 404 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/overrideapproval/^([^/]+)/history/([^/]+)/$', '404 404 404 404 404 404 302 404 404', '404 404 404 404 404 404 302 404 404'),
    ('admin/stories/overrideapproval/', '403 403 200 200 200 200 302 403 403', '403 403 200 200 200 200 302 403 403'),
    ('admin/stories/overrideapproval/add/', '403 403 403 403 403 403 302 403 403', '403 403 403 403 403 403 302 403 403'),
    ('admin/stories/overrideapproval/<path:object_id>/history/', '404 404 200 200 404 404 302 404 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/overrideapproval/<path:object_id>/delete/', '404 404 403 403 404 404 302 404 404', '404 404 404 404 403 403 302 404 404'),
    ('admin/stories/overrideapproval/<path:object_id>/change/', '404 404 200 200 404 404 302 404 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/overrideapproval/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/investigation/investigation/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 200', '404 404 404 404 200 200 302 200 200'),
    ('admin/investigation/investigation/', '200 200 200 200 200 200 302 200 200', '-'),
    ('admin/investigation/investigation/add/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/investigation/investigation/<path:object_id>/history/', '200 200 200 200 200 404 302 200 200', '404 404 404 404 200 200 302 200 200'),
    ('admin/investigation/investigation/<path:object_id>/delete/', '403 403 403 403 403 404 302 200 200', '404 404 404 404 403 403 302 200 200'),
    ('admin/investigation/investigation/<path:object_id>/change/', '200 200 200 200 200 404 302 200 200', '404 404 404 404 200 200 302 200 200'),
    ('admin/investigation/investigation/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/investigation/membership/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 200', '404 404 404 404 200 200 302 200 200'),
    ('admin/investigation/membership/', '200 200 200 200 200 200 302 200 200', '-'),
    ('admin/investigation/membership/add/', '403 403 403 200 200 403 302 200 200', '-'),
    ('admin/investigation/membership/<path:object_id>/history/', '200 200 200 200 200 404 302 200 200', '404 404 404 404 200 200 302 200 200'),
    ('admin/investigation/membership/<path:object_id>/delete/', '403 403 403 200 403 404 302 200 200', '404 404 404 404 200 403 302 200 200'),
    ('admin/investigation/membership/<path:object_id>/change/', '200 200 200 200 200 404 302 200 200', '404 404 404 404 200 200 302 200 200'),
    ('admin/investigation/membership/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/investigation/followup/process_import/', '405 405 405 405 405 405 302 405 405', '-'),
    ('admin/investigation/followup/import/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/investigation/followup/export/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/investigation/followup/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/investigation/followup/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/investigation/followup/add/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/investigation/followup/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/investigation/followup/<path:object_id>/delete/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/investigation/followup/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/investigation/followup/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/investigation/reminder/^([^/]+)/history/([^/]+)/$', '404 404 404 404 404 404 302 404 404', '404 404 404 404 404 404 302 404 404'),
    ('admin/investigation/reminder/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/investigation/reminder/add/', '403 403 403 403 403 403 302 403 403', '-'),
    ('admin/investigation/reminder/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/investigation/reminder/<path:object_id>/delete/', '403 403 403 403 403 404 302 403 404', '404 404 404 404 403 403 302 404 404'),
    ('admin/investigation/reminder/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/investigation/reminder/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/investigation/publicationexport/^([^/]+)/history/([^/]+)/$', '404 404 404 404 404 404 302 404 404', '404 404 404 404 404 404 302 404 404'),
    ('admin/investigation/publicationexport/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/investigation/publicationexport/add/', '403 403 403 403 403 403 302 403 403', '-'),
    ('admin/investigation/publicationexport/<path:object_id>/history/', '404 404 404 200 404 404 302 404 404', '404 404 404 404 200 404 302 404 404'),
    ('admin/investigation/publicationexport/<path:object_id>/delete/', '404 404 404 403 404 404 302 404 404', '404 404 404 404 403 404 302 404 404'),
    ('admin/investigation/publicationexport/<path:object_id>/change/', '404 404 404 200 404 404 302 404 404', '404 404 404 404 200 404 302 404 404'),
    ('admin/investigation/publicationexport/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/investigation/leakoverride/^([^/]+)/history/([^/]+)/$', '404 404 404 404 404 404 302 404 404', '404 404 404 404 404 404 302 404 404'),
    ('admin/investigation/leakoverride/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/investigation/leakoverride/add/', '403 403 403 403 403 403 302 403 403', '-'),
    ('admin/investigation/leakoverride/<path:object_id>/history/', '404 404 404 200 404 404 302 404 404', '404 404 404 404 200 404 302 404 404'),
    ('admin/investigation/leakoverride/<path:object_id>/delete/', '404 404 404 403 404 404 302 404 404', '404 404 404 404 403 404 302 404 404'),
    ('admin/investigation/leakoverride/<path:object_id>/change/', '404 404 404 200 404 404 302 404 404', '404 404 404 404 200 404 302 404 404'),
    ('admin/investigation/leakoverride/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/auth/user/<id>/password/', '404 404 404 200 404 404 302 200 200', '404 404 404 404 200 404 302 200 200'),
    ('admin/auth/user/', '403 403 403 200 200 403 302 200 200', '-'),
    ('admin/auth/user/add/', '403 403 403 200 200 403 302 200 200', '-'),
    ('admin/auth/user/<path:object_id>/history/', '404 404 404 200 404 404 302 200 200', '404 404 404 404 200 404 302 200 200'),
    ('admin/auth/user/<path:object_id>/delete/', '404 404 404 403 404 404 302 200 200', '404 404 404 404 403 404 302 200 200'),
    ('admin/auth/user/<path:object_id>/change/', '404 404 404 200 404 404 302 200 200', '404 404 404 404 200 404 302 200 200'),
    ('admin/auth/user/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/events/location/process_import/', '405 405 405 405 405 405 302 405 405', '-'),
    ('admin/events/location/import/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/events/location/export/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/events/location/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/location/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/events/location/add/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/events/location/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/location/<path:object_id>/delete/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/location/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/location/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/events/actor/process_import/', '405 405 405 405 405 405 302 405 405', '-'),
    ('admin/events/actor/import/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/events/actor/export/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/events/actor/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/actor/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/events/actor/add/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/events/actor/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/actor/<path:object_id>/delete/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/actor/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/actor/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/events/event/import-acled/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/events/event/process_import/', '405 405 405 405 405 405 302 405 405', '-'),
    # An import job's page: its investigation's Admins only, under the list it imports into.
    ('admin/events/event/import-jobs/<int:pk>/', '404 404 404 200 404 404 302 404 404', '404 404 404 404 200 404 302 404 404'),
    ('admin/events/location/import-jobs/<int:pk>/', '404 404 404 404 404 404 302 404 404', '-'),
    ('admin/events/actor/import-jobs/<int:pk>/', '404 404 404 404 404 404 302 404 404', '-'),
    ('admin/investigation/followup/import-jobs/<int:pk>/', '404 404 404 404 404 404 302 404 404', '-'),
    ('admin/sources/source/import-jobs/<int:pk>/', '404 404 404 404 404 404 302 404 404', '-'),
    ('admin/sources/interview/import-jobs/<int:pk>/', '404 404 404 404 404 404 302 404 404', '-'),
    ('admin/events/event/import/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/events/event/export/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/events/event/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/event/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/events/event/add/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/events/event/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/event/<path:object_id>/delete/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/event/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/events/event/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/sources/source/similar/', '405 405 405 405 405 405 302 405 405', '-'),
    ('admin/sources/source/<path:object_id>/identity/', '200 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/source/<path:object_id>/hand-over/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/source/process_import/', '405 405 405 405 405 405 302 405 405', '-'),
    ('admin/sources/source/import/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/sources/source/export/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/sources/source/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/source/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/sources/source/add/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/sources/source/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/source/<path:object_id>/delete/', '403 403 403 200 403 404 302 403 404', '404 404 404 404 200 403 302 404 404'),
    ('admin/sources/source/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/source/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/sources/identityaccess/^([^/]+)/history/([^/]+)/$', '404 404 404 404 404 404 302 404 404', '404 404 404 404 404 404 302 404 404'),
    ('admin/sources/identityaccess/', '403 403 200 200 200 200 302 403 403', '-'),
    ('admin/sources/identityaccess/add/', '403 403 403 403 403 403 302 403 403', '-'),
    ('admin/sources/identityaccess/<path:object_id>/history/', '404 404 200 200 404 404 302 404 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/identityaccess/<path:object_id>/delete/', '404 404 403 403 404 404 302 404 404', '404 404 404 404 403 403 302 404 404'),
    ('admin/sources/identityaccess/<path:object_id>/change/', '404 404 200 200 404 404 302 404 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/identityaccess/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/sources/interview/<path:object_id>/notes/', '200 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/interview/<path:object_id>/notes/earlier/', '200 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/interview/<path:object_id>/hand-over/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/interview/process_import/', '405 405 405 405 405 405 302 405 405', '-'),
    ('admin/sources/interview/import/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/sources/interview/export/', '403 403 403 200 200 403 302 403 403', '-'),
    ('admin/sources/interview/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/interview/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/sources/interview/add/', '200 200 200 200 200 200 302 200 403', '-'),
    ('admin/sources/interview/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/interview/<path:object_id>/delete/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/interview/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/interview/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/otp_totp/totpdevice/<int:pk>/config/', '403 403 403 403 403 403 302 403 403', '403 403 403 403 403 403 302 403 403'),
    ('admin/otp_totp/totpdevice/<int:pk>/qrcode/', '403 403 403 403 403 403 302 403 403', '403 403 403 403 403 403 302 403 403'),
    ('admin/otp_totp/totpdevice/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/otp_totp/totpdevice/add/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/otp_totp/totpdevice/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/otp_totp/totpdevice/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/otp_totp/totpdevice/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/otp_totp/totpdevice/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/axes/accessattempt/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/axes/accessattempt/add/', '403 403 403 403 403 403 302 403 403', '-'),
    ('admin/axes/accessattempt/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accessattempt/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accessattempt/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accessattempt/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/axes/accesslog/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/axes/accesslog/add/', '403 403 403 403 403 403 302 403 403', '-'),
    ('admin/axes/accesslog/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accesslog/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accesslog/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accesslog/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/axes/accessfailurelog/', '403 403 403 403 403 403 302 200 200', '-'),
    ('admin/axes/accessfailurelog/add/', '403 403 403 403 403 403 302 403 403', '-'),
    ('admin/axes/accessfailurelog/<path:object_id>/history/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accessfailurelog/<path:object_id>/delete/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accessfailurelog/<path:object_id>/change/', '403 403 403 403 403 403 302 200 200', '403 403 403 403 403 403 302 200 200'),
    ('admin/axes/accessfailurelog/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/^(?P<app_label>auth|django_celery_beat|investigation|events|sources|stories|otp_totp|axes)/$', '200 200 200 200 200 200 302 200 404', '-'),
    ('admin/(?P<url>.*)$', '404 404 404 404 404 404 302 404 404', '404 404 404 404 404 404 302 404 404'),
    ('sources/attachments/<int:pk>/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('map/', '200 200 200 200 200 200 302 200 200', '-'),
    ('map/kinds.css', '200 200 200 200 200 200 200 200 200', '-'),
    ('map/events.geojson', '200 200 200 200 200 200 302 200 200', '-'),
    ('map/events/<int:pk>.json', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('map/places/<int:pk>.json', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('timeline/', '200 200 200 200 200 200 302 200 200', '-'),
    ('account/two-factor/', '200 200 200 200 200 200 302 200 200', '-'),
    ('search/', '200 200 200 200 200 200 302 200 200', '-'),
    ('admin/sources/sharedaccount/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/sharedaccount/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/sources/sharedaccount/add/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/sources/sharedaccount/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/sharedaccount/<path:object_id>/delete/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/sharedaccount/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/sources/sharedaccount/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/stories/claim/<path:object_id>/clear/', '302 302 302 302 302 404 302 302 404', '404 404 404 404 302 302 302 404 404'),
    ('admin/stories/claim/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/claim/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/stories/claim/add/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/stories/claim/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/claim/<path:object_id>/delete/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/claim/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/claim/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/stories/evidence/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/evidence/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/stories/evidence/add/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/stories/evidence/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/evidence/<path:object_id>/delete/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/evidence/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/evidence/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/stories/document/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/document/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/stories/document/add/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/stories/document/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/document/<path:object_id>/delete/', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/document/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/document/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/stories/story/^([^/]+)/history/([^/]+)/$', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/story/', '200 200 200 200 200 200 302 200 403', '200 200 200 200 200 200 302 200 403'),
    ('admin/stories/story/add/', '403 403 200 200 200 200 302 403 403', '403 403 200 200 200 200 302 403 403'),
    ('admin/stories/story/<path:object_id>/history/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/story/<path:object_id>/delete/', '403 403 403 403 403 404 302 403 404', '404 404 404 404 403 403 302 404 404'),
    ('admin/stories/story/<path:object_id>/change/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/story/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('admin/stories/factcheckexport/^([^/]+)/history/([^/]+)/$', '404 404 404 404 404 404 302 404 404', '404 404 404 404 404 404 302 404 404'),
    ('admin/stories/factcheckexport/', '403 403 200 200 200 200 302 403 403', '403 403 200 200 200 200 302 403 403'),
    ('admin/stories/factcheckexport/add/', '403 403 403 403 403 403 302 403 403', '403 403 403 403 403 403 302 403 403'),
    ('admin/stories/factcheckexport/<path:object_id>/history/', '404 404 200 200 404 404 302 404 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/factcheckexport/<path:object_id>/delete/', '404 404 403 403 404 404 302 404 404', '404 404 404 404 403 403 302 404 404'),
    ('admin/stories/factcheckexport/<path:object_id>/change/', '404 404 200 200 404 404 302 404 404', '404 404 404 404 200 200 302 404 404'),
    ('admin/stories/factcheckexport/<path:object_id>/', '302 302 302 302 302 302 302 302 302', '302 302 302 302 302 302 302 302 302'),
    ('story/<slug:slug>/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
    ('story/<slug:slug>/factcheck.csv', '403 403 200 200 403 404 302 403 404', '404 404 404 404 200 200 302 404 404'),
    ('documents/<int:pk>/', '200 200 200 200 200 404 302 200 404', '404 404 404 404 200 200 302 404 404'),
]
# fmt: on


def test_every_url_pattern_has_a_row_in_the_matrix():
    routes = [route for route, _ in url_patterns()]
    assert len(routes) > 150  # a positive control: the walk reached the admin's patterns
    missing = sorted(set(routes) - {route for route, _, _ in MATRIX})
    gone = sorted({route for route, _, _ in MATRIX} - set(routes))
    assert (missing, gone) == ([], []), "Add a row for each new URL, remove the rows of gone ones"


def test_each_person_gets_the_status_the_matrix_gives_them(world):
    clients = logged_in_clients(world)
    wrong = []
    for route, expected_a, expected_b in MATRIX:
        expected_b = expected_a if expected_b == "-" else expected_b
        for side, expected in (("A", expected_a), ("B", expected_b)):
            got = statuses(clients, concrete_url(route, world["rows"][side]))
            if got != expected:
                wrong.append(f"{route} (row of {side}): expected {expected}, got {got}")
    assert wrong == []


def test_a_row_of_another_investigation_answers_like_a_row_that_does_not_exist(world):
    """No oracle: for a member of A, a row of B and no row at all are the same 404."""
    reporter = logged_in_clients(world)["R"]
    compared = 0
    for route, _, _ in MATRIX:
        model = row_model(route)
        if model not in COMPARTMENTED:
            continue
        theirs = concrete_url(route, world["rows"]["B"])
        pk = world["rows"]["B"][model].pk
        missing = re.sub(rf"(?<=/){pk}(?=[/.])", "987654", theirs, count=1)
        assert missing != theirs
        assert (route, reporter.get(theirs).status_code) == (route, 404)
        assert (route, reporter.get(missing).status_code) == (route, 404)
        compared += 1
    assert compared > 60


# The rows that belong to an investigation (the others are the same row for A and B).
COMPARTMENTED = {
    "investigation", "location", "actor", "event", "source", "interview", "attachment",
    "followup", "reminder", "membership", "identityaccess", "publicationexport",
    "leakoverride", "user", "overrideapproval", "claim", "evidence", "document", "story",
    "sharedaccount", "factcheckexport", "importjob",
}  # fmt: skip


def row_model(route):
    """The row a route with an id is about, or None for a route without one."""
    placeholders = ("<path:object_id>/", "<int:", "<id>", "^([^/]+)/history")
    if not any(placeholder in route for placeholder in placeholders):
        return None
    if "publication-exports" in route:
        return "publicationexport"
    if "import-jobs" in route:
        return "importjob"
    if "publication-overrides" in route:
        return "overrideapproval"
    if "<int:object_id>/publication-export/" in route:
        return "investigation"
    if route.startswith("admin/") and not route.endswith("<path:object_id>/"):
        return model_of(route)
    return None if route.startswith("admin/") else route_model(route)
