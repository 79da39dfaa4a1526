"""Spreadsheet import and export in the admin (django-import-export): Admins only, into and
out of the investigations they administer, a preview before anything is written, nothing
written when any row is bad, formulas neutralised, never a source's identity, and a form
error (not a server error) for any file that cannot be read."""

import csv
import datetime
import io
import json
import random
import zipfile

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from events.models import Event
from investigation.importexport import import_file_read
from investigation.models import FollowUp
from sources.models import Interview, Source
from tests.factories import (
    make_event,
    make_follow_up,
    make_interview,
    make_location,
    make_member,
    make_source,
)

FORMAT = {"csv": "0", "xlsx": "1", "json": "2"}
EVENT_HEADER = ["id", "kind", "title", "date", "date_precision", "location", "status"]


def table(header, *rows, fmt="csv"):
    """A file (bytes) holding these rows under this header."""
    if fmt == "json":
        return json.dumps([dict(zip(header, row, strict=True)) for row in rows]).encode()
    if fmt == "xlsx":
        book = openpyxl.Workbook()
        for row in (header, *rows):
            book.active.append(list(row))
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode()


def upload(name, data):
    file = io.BytesIO(data)
    file.name = name
    return file


def preview(client, model_url, investigation, data, fmt="csv"):
    return client.post(
        reverse(f"admin:{model_url}_import"),
        {
            "investigation": investigation.pk,
            "resource": "0",
            "format": FORMAT[fmt],
            "import_file": upload(f"rows.{fmt}", data),
        },
    )


def confirm(client, model_url, page):
    form = page.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(reverse(f"admin:{model_url}_process_import"), data)


def export(client, model_url, resource, fmt="csv", **filters):
    url = reverse(f"admin:{model_url}_export")
    if filters:
        url += "?" + "&".join(f"{key}={value}" for key, value in filters.items())
    fields = resource().get_export_order()
    prefix = resource.__name__.lower()
    data = {"format": FORMAT[fmt], "resource": "0", **{f"{prefix}_{f}": "on" for f in fields}}
    return client.post(url, data)


def exported_rows(response, fmt="csv"):
    if fmt == "xlsx":
        rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
        return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    if fmt == "json":
        return json.loads(response.content)
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def admin_client(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"  # where import files wait
    client.force_login(cast["admin"])
    return client


# Import: preview, confirm, all or nothing -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_admin_imports_events_after_a_preview(admin_client, cast, investigation, fmt):
    place = make_location(investigation, name="Hawija")
    data = table(
        EVENT_HEADER,
        ["", "raid", "Raid on the market", "2019-05-14", "day", place.pk, "reported"],
        ["", "clash", "Clash at the checkpoint", "2019-06-01", "month", "", "confirmed"],
        fmt=fmt,
    )

    page = preview(admin_client, "events_event", investigation, data, fmt)

    assert page.status_code == 200 and page.context["confirm_form"] is not None
    assert not Event.objects.exists()  # a preview writes nothing
    done = confirm(admin_client, "events_event", page)
    assert done.status_code == 302
    raid = Event.objects.get(title="Raid on the market")
    assert (raid.investigation, raid.location, raid.date) == (
        investigation,
        place,
        datetime.date(2019, 5, 14),
    )
    assert raid.created_by == cast["admin"]
    assert raid.history.get().history_user == cast["admin"]
    assert Event.objects.count() == 2


def test_a_file_with_one_bad_row_lists_it_and_writes_nothing(admin_client, investigation):
    data = table(
        EVENT_HEADER,
        ["", "raid", "Fine", "2019-05-14", "day", "", "reported"],
        ["", "raid", "Bad date", "2019-02-31", "day", "", "reported"],
        ["", "picnic", "Bad kind", "2019-05-14", "day", "", "reported"],
    )

    page = preview(admin_client, "events_event", investigation, data)

    result = page.context["result"]
    assert page.context.get("confirm_form") is None
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "date" in invalid[2] and "kind" in invalid[3]
    assert "picnic" in str(invalid[3]["kind"])
    assert not Event.objects.exists()


def test_a_confirmed_file_that_no_longer_imports_cleanly_writes_nothing(
    admin_client, investigation
):
    page = preview(
        admin_client, "events_event", investigation,
        table(EVENT_HEADER, ["", "raid", "Fine", "2019-05-14", "day", "", "reported"],
              ["", "raid", "Duplicate id later", "2019-05-14", "day", "", "reported"]),
    )  # fmt: skip
    make_event(investigation, title="Already here")  # the data changes between the two steps
    form = page.context["confirm_form"]
    data = {name: form[name].value() for name in form.fields}
    bad = table(EVENT_HEADER, ["", "raid", "Fine", "2019-05-14", "day", "", "reported"],
                ["", "raid", "Broken", "not a date", "day", "", "reported"])  # fmt: skip
    # Swap the stored file for one with a bad row: the confirm must not write the good one.
    name = data["import_file_name"]
    storages["private"].delete(f"imports/{name}")
    storages["private"].save(f"imports/{name}", ContentFile(bad))
    assert import_file_read(name) == bad

    response = admin_client.post(reverse("admin:events_event_process_import"), data)

    assert response.status_code == 200
    assert "Nothing was imported" in response.content.decode()
    assert list(Event.objects.values_list("title", flat=True)) == ["Already here"]


def test_a_row_naming_another_investigation_is_refused(
    admin_client, investigation, other_investigation
):
    header = ["investigation", *EVENT_HEADER]
    data = table(
        header,
        [other_investigation.slug, "", "raid", "Elsewhere", "2019-05-14", "day", "", "reported"],
    )

    page = preview(admin_client, "events_event", investigation, data)

    (row,) = page.context["result"].invalid_rows
    assert "port-smuggling" in str(row.error)
    assert not Event.objects.exists()


def test_a_row_cannot_update_or_link_to_another_investigations_rows(
    admin_client, investigation, other_investigation
):
    theirs = make_event(other_investigation, title="Theirs")
    their_place = make_location(other_investigation)
    data = table(
        EVENT_HEADER,
        [theirs.pk, "raid", "Overwritten", "2019-05-14", "day", "", "reported"],
        ["", "raid", "Placed there", "2019-05-14", "day", their_place.pk, "reported"],
    )

    page = preview(admin_client, "events_event", investigation, data)

    errors = {row.number: str(row.error) for row in page.context["result"].invalid_rows}
    assert "No row with this id in this investigation" in errors[1]
    assert "No location" in errors[2]
    assert Event.objects.get(pk=theirs.pk).title == "Theirs"
    assert Event.objects.count() == 1


def test_the_import_form_offers_only_investigations_the_person_administers(
    client, cast, investigation, other_investigation
):
    make_member(other_investigation, "reporter", "admin-here-reporter-there")
    client.force_login(cast["admin"])
    form = client.get(reverse("admin:events_event_import")).context["form"]
    assert list(form.fields["investigation"].queryset) == [investigation]
    page = preview(client, "events_event", other_investigation, table(EVENT_HEADER))
    assert "investigation" in page.context["form"].errors


@pytest.mark.parametrize("role", ["reporter", "editor", "outsider"])
@pytest.mark.parametrize(
    "url", ["events_event_import", "events_event_export", "sources_source_import"]
)
def test_only_admins_import_or_export(client, cast, role, url):
    client.force_login(cast[role])
    assert client.get(reverse(f"admin:{url}")).status_code == 403


def test_a_follow_up_import_assigns_only_members(
    admin_client, cast, investigation, other_investigation
):
    make_member(other_investigation, "reporter", "stranger")
    header = ["id", "title", "due_at", "assignee", "status", "priority"]
    data = table(
        header,
        ["", "Call Amber Heron", "2030-01-01 09:00:00", "reporter", "open", "2"],
        ["", "Visit the market", "2030-01-02 09:00:00", "stranger", "open", "2"],
    )
    page = preview(admin_client, "investigation_followup", investigation, data)
    errors = {row.number: str(row.error) for row in page.context["result"].invalid_rows}
    assert list(errors) == [2] and "stranger" in errors[2]
    assert not FollowUp.objects.exists()


# Unreadable files are form errors, never server errors -------------------------------------------


def valid_xlsx():
    return table(
        EVENT_HEADER, ["", "raid", "Fine", "2019-05-14", "day", "", "reported"], fmt="xlsx"
    )


MALFORMED = {
    "random bytes as csv": (bytes(random.Random(1).randrange(256) for _ in range(2000)), "csv"),
    "random bytes as xlsx": (bytes(random.Random(2).randrange(256) for _ in range(2000)), "xlsx"),
    "truncated xlsx": (valid_xlsx()[:700], "xlsx"),
    "csv with NUL bytes": (b"id,kind,title\n,raid,\x00\x00bad\n", "csv"),
    "utf-16 csv": ("id,kind,title\n,raid,Fine\n".encode("utf-16"), "csv"),
    "empty file": (b"", "csv"),
    "header-only csv": (b"id,kind,title,date,date_precision,status\n", "csv"),
    "json that is no table": (b'{"not": "a list"}', "json"),
    "broken json": (b'[{"id": ', "json"),
    "csv sent as xlsx": (b"id,kind\n,raid\n", "xlsx"),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_upload_is_a_form_error_not_a_server_error(admin_client, investigation, name):
    data, fmt = MALFORMED[name]

    page = preview(admin_client, "events_event", investigation, data, fmt)

    assert page.status_code == 200
    result = page.context.get("result")
    refused = page.context["form"].errors or (
        result and (result.has_errors() or result.has_validation_errors())
    )
    assert refused, name
    assert page.context.get("confirm_form") is None
    assert not Event.objects.exists()


def test_fuzzed_uploads_never_cause_a_server_error(admin_client, investigation):
    """Mutations of good files in every format: each is refused or previewed, never a 500."""
    rng = random.Random(7)
    good = {
        "csv": table(EVENT_HEADER, ["", "raid", "Fine", "2019-05-14", "day", "", "reported"]),
        "xlsx": valid_xlsx(),
        "json": table(
            EVENT_HEADER, ["", "raid", "Fine", "2019-05-14", "day", "", "reported"], fmt="json"
        ),
    }
    for case in range(60):
        fmt = rng.choice(list(good))
        data = bytearray(good[fmt])
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if case % 3 == 0:
            data = data[: rng.randrange(len(data))]
        page = preview(admin_client, "events_event", investigation, bytes(data), fmt)
        assert page.status_code == 200, (case, fmt)
    assert not Event.objects.exists()


def test_an_xlsx_whose_zip_is_valid_but_holds_no_workbook_is_refused(admin_client, investigation):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    page = preview(admin_client, "events_event", investigation, out.getvalue(), "xlsx")
    assert page.status_code == 200 and page.context["form"].errors


# Export: compartments, formulas, never an identity ---------------------------------------------


def test_an_export_holds_only_rows_of_investigations_the_person_administers(
    client, cast, investigation, other_investigation
):
    from events.resources import EventResource

    make_event(investigation, title="Ours")
    make_event(other_investigation, title="Theirs")
    admin_there_too = cast["admin"]
    other_admin = make_member(other_investigation, "reporter", "reporter-there")
    other_admin.memberships.create(investigation=investigation, role="admin")
    for user in (admin_there_too, other_admin):
        client.force_login(user)
        rows = exported_rows(export(client, "events_event", EventResource))
        assert [row["title"] for row in rows] == ["Ours"]
        assert rows[0]["investigation"] == investigation.slug


def test_an_export_follows_the_lists_filters(admin_client, investigation):
    from events.resources import EventResource

    make_event(investigation, title="Raid", kind="raid")
    make_event(investigation, title="Clash", kind="clash")
    rows = exported_rows(export(admin_client, "events_event", EventResource, kind__exact="clash"))
    assert [row["title"] for row in rows] == ["Clash"]


def test_an_imported_event_is_marked_as_a_spreadsheets_and_an_update_keeps_its_origin(
    admin_client, investigation
):
    from events.resources import EventResource

    ours = make_event(investigation, title="Our raid", date_precision="day")
    acled = make_event(investigation, title="Background", origin=Event.Origin.ACLED)
    rows = exported_rows(export(admin_client, "events_event", EventResource))
    assert {row["title"]: row["origin"] for row in rows} == {
        "Our raid": "own",
        "Background": "acled",
    }
    header = [*EVENT_HEADER, "origin"]
    data = table(
        header,
        ["", "raid", "From the sheet", "2019-05-14", "day", "", "reported", "own"],
        [ours.pk, "raid", "Our raid, retitled", "2018-11-01", "day", ours.location_id,
         "reported", "acled"],  # the column is not read back: a sheet cannot relabel a row
    )  # fmt: skip

    page = preview(admin_client, "events_event", investigation, data)
    assert confirm(admin_client, "events_event", page).status_code == 302

    ours.refresh_from_db()
    assert ours.title == "Our raid, retitled" and ours.origin == Event.Origin.OWN
    assert Event.objects.get(title="From the sheet").origin == Event.Origin.SPREADSHEET
    assert Event.objects.get(pk=acled.pk).origin == Event.Origin.ACLED


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_formulas_are_neutralised_in_exports(admin_client, investigation, fmt):
    from events.resources import EventResource

    titles = ['=HYPERLINK("http://evil.example","x")', "+SUM(1,2)", "-2+3", "@cmd", "Plain"]
    for title in titles:
        make_event(investigation, title=title, fatalities=5)

    response = export(admin_client, "events_event", EventResource, fmt)

    exported = {row["title"] for row in exported_rows(response, fmt)}
    assert exported == {f"'{title}" for title in titles[:4]} | {"Plain"}
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_a_source_export_has_codename_description_category_and_protection_only(
    admin_client, cast, investigation, fmt
):
    from sources.resources import SourceResource

    make_source(
        investigation, cast["reporter"], real_name="Canary Realname", contact="+964 770 000 1111",
        identifying_notes="Canary notes",
    )  # fmt: skip

    response = export(admin_client, "sources_source", SourceResource, fmt)

    rows = exported_rows(response, fmt)
    assert set(rows[0]) == {
        "codename",
        "investigation",
        "description",
        "category",
        "protection_level",
    }
    for canary in (b"Canary", b"000 1111", b"fb1:"):
        assert canary not in response.content
    if fmt != "xlsx":
        assert b"[protected]" not in response.content


def test_identity_columns_in_an_uploaded_file_are_ignored(admin_client, cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="Kept Name")
    data = table(
        ["codename", "description", "category", "protection_level", "real_name", "contact"],
        [source.codename, "driver, Riyadh", "civilian", "confidential", "Overwritten", "+1 555"],
        ["", "nurse, Hawija", "civilian", "anonymous", "New Person", "+1 556"],
    )

    page = preview(admin_client, "sources_source", investigation, data)
    confirm(admin_client, "sources_source", page)

    source.refresh_from_db()
    assert source.description == "driver, Riyadh"
    assert source.real_name.reveal() == "Kept Name" and source.contact.reveal() == ""
    new = Source.objects.get(description="nurse, Hawija")
    assert new.real_name.reveal() == "" and new.contact.reveal() == ""
    assert new.handler == cast["admin"] and new.codename  # generated


def test_an_imported_protection_level_change_puts_the_source_back_to_review(
    admin_client, cast, investigation
):
    source = make_source(investigation, cast["reporter"], review_status=Source.ReviewStatus.CLEARED)
    data = table(
        ["codename", "description", "category", "protection_level"],
        [source.codename, source.description, source.category, "on_record"],
    )
    confirm(
        admin_client, "sources_source", preview(admin_client, "sources_source", investigation, data)
    )
    source.refresh_from_db()
    assert (source.protection_level, source.review_status) == ("on_record", "pending")


def test_an_unknown_codename_is_refused_rather_than_created(
    admin_client, investigation, other_investigation, cast
):
    theirs = make_source(other_investigation, cast["outsider"])
    data = table(["codename", "description", "category", "protection_level"],
                 [theirs.codename, "x", "other", "anonymous"])  # fmt: skip
    page = preview(admin_client, "sources_source", investigation, data)
    (row,) = page.context["result"].invalid_rows
    assert "No row with this codename in this investigation" in str(row.error)


def test_an_interview_export_has_no_sensitive_notes(admin_client, cast, investigation):
    from sources.resources import InterviewResource

    make_interview(
        investigation, cast["reporter"], sensitive_notes="Canary sensitive", summary="Talked"
    )
    response = export(admin_client, "sources_interview", InterviewResource)
    rows = exported_rows(response)
    assert rows[0]["summary"] == "Talked" and rows[0]["interviewer"] == "reporter"
    assert "sensitive_notes" not in rows[0]
    assert b"Canary" not in response.content and b"fb1:" not in response.content


def test_interviews_and_follow_ups_round_trip(admin_client, cast, investigation):
    from investigation.resources import FollowUpResource
    from sources.resources import InterviewResource

    interview = make_interview(investigation, cast["reporter"], summary="First")
    make_follow_up(investigation, cast["reporter"], title="Call back", interview=interview)
    for model_url, resource, model in [
        ("sources_interview", InterviewResource, Interview),
        ("investigation_followup", FollowUpResource, FollowUp),
    ]:
        data = export(admin_client, model_url, resource).content
        page = preview(admin_client, model_url, investigation, data)
        assert page.context["confirm_form"] is not None, page.context["result"].invalid_rows
        confirm(admin_client, model_url, page)
        assert model.objects.count() == 1  # matched by id: updated in place, not duplicated


def test_an_export_form_cannot_ask_for_an_identity_field(admin_client, cast, investigation):
    make_source(investigation, cast["reporter"], real_name="Canary Realname")
    response = admin_client.post(
        reverse("admin:sources_source_export"),
        {"format": FORMAT["csv"], "resource": "0", "sourceresource_codename": "on",
         "sourceresource_real_name": "on", "sourceresource_contact": "on"},
    )  # fmt: skip
    assert exported_rows(response)[0].keys() == {"codename"}
    assert b"Canary" not in response.content
