"""ACLED imports: both layouts, every malformed file reported in full with nothing written,
re-imports that update rather than duplicate, the command and the admin page."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.acled import CURRENT_LAYOUT, PRE_2023_LAYOUT, acled_import
from events.models import Actor, Event, EventActor, Location
from tests.factories import make_member

ROW = {
    "event_id_cnty": "IRQ1001",
    "event_date": "2020-03-11",
    "year": "2020",
    "time_precision": "1",
    "disorder_type": "Political violence",
    "event_type": "Explosions/Remote violence",
    "sub_event_type": "Air/drone strike",
    "actor1": "Military Forces of the United States (2017-2021)",
    "assoc_actor_1": "Military Forces of Iraq (2018-2022); Peshmerga",
    "inter1": "8",
    "actor2": "Islamic State (Iraq)",
    "assoc_actor_2": "",
    "inter2": "2",
    "interaction": "28",
    "civilian_targeting": "",
    "iso": "368",
    "region": "Middle East",
    "country": "Iraq",
    "admin1": "Kirkuk",
    "admin2": "Hawija",
    "admin3": "Al Abbasi",
    "location": "Wadi al Shay",
    "latitude": "35.3312",
    "longitude": "43.8721",
    "geo_precision": "2",
    "source": "Rudaw; Iraqi Security Media Cell",
    "source_scale": "National",
    "notes": "On 11 March 2020, coalition aircraft struck ISIS hideouts in Wadi al Shay.",
    "fatalities": "4",
    "tags": "",
    "timestamp": "1584057600",
    "data_id": "7001",
    "event_id_no_cnty": "1001",
    "iso3": "IRQ",
}


def acled_file(*rows, layout=CURRENT_LAYOUT, header=None):
    """An ACLED CSV export (bytes) with these rows: each a dict of changes to ROW."""
    header = header or layout
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for changes in rows:
        row = {**ROW, **changes}
        writer.writerow([row.get(name, "") for name in header])
    return out.getvalue().encode()


def run(investigation, data, dry_run=False):
    return acled_import(path_or_file=io.BytesIO(data), investigation=investigation, dry_run=dry_run)


def problems(report):
    return [str(problem) for problem in report.problems]


def nothing_written():
    return not (Event.objects.exists() or Location.objects.exists() or Actor.objects.exists())


# Both layouts --------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", [CURRENT_LAYOUT, PRE_2023_LAYOUT], ids=["2023", "pre-2023"])
def test_an_acled_file_in_either_layout_becomes_events_places_and_actors(investigation, layout):
    data = acled_file(
        {},
        {"event_id_cnty": "IRQ1002", "event_date": "12-03-2020", "time_precision": "3",
         "event_type": "Battles", "sub_event_type": "Armed clash", "actor2": "", "fatalities": ""},
        layout=layout,
    )  # fmt: skip

    report = run(investigation, data)

    assert report.ok, problems(report)
    assert (report.created, report.updated, report.locations_created) == (2, 0, 1)
    strike = Event.objects.get(external_id="IRQ1001")
    assert strike.investigation == investigation
    assert (strike.kind, strike.date, strike.date_precision) == (
        "air_strike",
        datetime.date(2020, 3, 11),
        "day",
    )
    assert (strike.original_type, strike.original_sub_type) == (
        "Explosions/Remote violence",
        "Air/drone strike",
    )
    assert strike.acled_source == "Rudaw; Iraqi Security Media Cell"
    assert strike.fatalities == 4
    assert strike.description.startswith("On 11 March 2020")
    assert strike.title == "Air/drone strike in Wadi al Shay"
    assert not strike.publishable  # an editor's decision, never an import's
    place = strike.location
    assert (place.name, place.admin1, place.admin2, place.admin3) == (
        "Wadi al Shay",
        "Kirkuk",
        "Hawija",
        "Al Abbasi",
    )
    assert (place.latitude, place.longitude, place.geo_precision) == (35.3312, 43.8721, 2)
    roles = {link.actor.name: link.role for link in strike.event_actors.select_related("actor")}
    assert roles == {
        "Military Forces of the United States (2017-2021)": "primary",
        "Islamic State (Iraq)": "secondary",
        "Military Forces of Iraq (2018-2022)": "associated",
        "Peshmerga": "associated",
    }
    clash = Event.objects.get(external_id="IRQ1002")
    assert (clash.kind, clash.date_precision, clash.fatalities) == ("clash", "month", None)
    assert clash.location == place  # reused, not created twice
    assert Actor.objects.get(name="Islamic State (Iraq)").kind == "armed_group"


def test_the_report_names_the_layout_and_notes_columns_it_ignored(investigation):
    data = acled_file({}, header=[*CURRENT_LAYOUT, "my_notes"])

    report = run(investigation, data)

    assert report.ok
    assert report.layout == "ACLED (2023 and later)"
    assert report.notes == ["Ignored columns that are not ACLED's: my_notes."]
    assert (
        run(investigation, acled_file({}, layout=PRE_2023_LAYOUT)).layout == "ACLED (before 2023)"
    )


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2020-03-11", datetime.date(2020, 3, 11)),
        ("11-03-2020", datetime.date(2020, 3, 11)),
        ("11/03/2020", datetime.date(2020, 3, 11)),
        ("11 March 2020", datetime.date(2020, 3, 11)),
        ("1 Mar 2020", datetime.date(2020, 3, 1)),
    ],
)
def test_acled_dates_are_read_in_every_format_acled_used(investigation, written, expected):
    assert run(investigation, acled_file({"event_date": written})).ok
    assert Event.objects.get().date == expected


@pytest.mark.parametrize(
    ("event_type", "sub_type", "kind"),
    [
        ("Battles", "Armed clash", "clash"),
        ("Explosions/Remote violence", "Air/drone strike", "air_strike"),
        ("Explosions/Remote violence", "Shelling/artillery/missile attack", "attack"),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED", "ied"),
        ("Explosions/Remote violence", "Suicide bomb", "attack"),
        ("Explosions/Remote violence", "Grenade", "other"),
        ("Violence against civilians", "Attack", "attack"),
        ("Riots", "Mob violence", "protest"),
        ("Protests", "Peaceful protest", "protest"),
        ("Strategic developments", "Arrests", "strategic_development"),
        ("Something new", "", "other"),
    ],
)
def test_acled_event_types_map_to_kinds_and_keep_the_original(
    investigation, event_type, sub_type, kind
):
    assert run(investigation, acled_file({"event_type": event_type, "sub_event_type": sub_type})).ok
    event = Event.objects.get()
    assert (event.kind, event.original_type, event.original_sub_type) == (
        kind,
        event_type,
        sub_type,
    )


def test_time_precision_becomes_the_date_precision(investigation):
    data = acled_file(
        {"event_id_cnty": "A1", "time_precision": "1"},
        {"event_id_cnty": "A2", "time_precision": "2"},
        {"event_id_cnty": "A3", "time_precision": "3"},
    )
    assert run(investigation, data).ok
    precisions = dict(Event.objects.values_list("external_id", "date_precision"))
    assert precisions == {"A1": "day", "A2": "week", "A3": "month"}


# Re-importing --------------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing_the_second_time(investigation):
    data = acled_file({}, {"event_id_cnty": "IRQ1002", "location": "Hawija"})
    run(investigation, data)
    before = list(Event.objects.order_by("pk").values_list("pk", "external_id", "updated_at"))

    report = run(investigation, data)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert (
        list(Event.objects.order_by("pk").values_list("pk", "external_id", "updated_at")) == before
    )
    assert (Location.objects.count(), Actor.objects.count(), EventActor.objects.count()) == (
        2,
        4,
        8,
    )


def test_reimporting_a_changed_row_updates_its_event_in_place(investigation, editor):
    run(investigation, acled_file({}, {"event_id_cnty": "IRQ1002"}))
    event = Event.objects.get(external_id="IRQ1001")
    Event.objects.filter(pk=event.pk).update(title="Our own title", publishable=True)

    changed = {
        "fatalities": "7",
        "notes": "Revised: 7 killed.",
        "actor2": "Sons of Iraq",
        "latitude": "35.4",
    }
    report = acled_import(
        path_or_file=io.BytesIO(acled_file(changed, {"event_id_cnty": "IRQ1002"})),
        investigation=investigation, dry_run=False, user=editor,
    )  # fmt: skip

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    event.refresh_from_db()
    assert (event.fatalities, event.description) == (7, "Revised: 7 killed.")
    assert event.location.latitude == 35.4
    assert event.title == "Our own title" and event.publishable  # editors' work stays
    assert "Sons of Iraq" in set(event.actors.values_list("name", flat=True))
    assert "Islamic State (Iraq)" not in set(event.actors.values_list("name", flat=True))
    assert Event.objects.count() == 2
    latest = event.history.first()
    assert (latest.history_type, latest.history_user, latest.fatalities) == ("~", editor, 7)


def test_imports_are_separate_per_investigation(investigation, other_investigation):
    data = acled_file({})
    run(investigation, data)
    run(other_investigation, data)
    assert Event.objects.filter(external_id="IRQ1001").count() == 2
    assert (
        Event.objects.get(investigation=other_investigation).location.investigation
        == other_investigation
    )


def test_a_dry_run_counts_and_writes_nothing(investigation):
    report = run(investigation, acled_file({}, {"event_id_cnty": "IRQ1002"}), dry_run=True)
    assert report.ok and (report.created, report.locations_created, report.actors_created) == (
        2,
        1,
        4,
    )
    assert nothing_written()


# Malformed files: every problem named, nothing written -----------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"event_date": "31-02-2020"}, "row 3, event_date '31-02-2020': No such day."),
        (
            {"event_date": "2020/13/45"},
            "row 3, event_date '2020/13/45': Not a date in a format ACLED uses",
        ),
        ({"event_date": ""}, "row 3, event_date: Empty; ACLED always fills it."),
        ({"latitude": "95.2"}, "row 3, latitude '95.2': Out of range: must be between -90 and 90."),
        (
            {"longitude": "-181"},
            "row 3, longitude '-181': Out of range: must be between -180 and 180.",
        ),
        ({"latitude": "north"}, "row 3, latitude 'north': Not a number."),
        ({"longitude": "nan"}, "row 3, longitude 'nan': Out of range"),
        ({"time_precision": "4"}, "row 3, time_precision '4': Unknown precision code"),
        ({"geo_precision": "0"}, "row 3, geo_precision '0': Unknown precision code"),
        ({"fatalities": "-2"}, "row 3, fatalities '-2': Cannot be negative."),
        ({"fatalities": "several"}, "row 3, fatalities 'several': Not a whole number."),
        ({"year": "2019"}, "row 3, year '2019': Does not match event_date (2020-03-11)."),
        ({"event_id_cnty": ""}, "row 3, event_id_cnty: Empty; ACLED always fills it."),
    ],
)
def test_a_bad_value_is_reported_with_its_row_column_and_reason_and_nothing_is_written(
    investigation, changes, expected
):
    good, bad = {"event_id_cnty": "IRQ1"}, {"event_id_cnty": "IRQ2", **changes}
    data = acled_file(good, bad, {"event_id_cnty": "IRQ3"})

    report = run(investigation, data)

    assert not report.ok
    assert any(problem.startswith(expected) for problem in problems(report)), problems(report)
    assert len(report.problems) == 1
    assert nothing_written()


def test_every_problem_of_a_file_is_reported_not_just_the_first(investigation):
    data = acled_file(
        {"event_date": "31-02-2020", "latitude": "95"},
        {"event_id_cnty": "IRQ2", "geo_precision": "9"},
        {"event_id_cnty": "IRQ2"},
    )
    report = run(investigation, data)
    assert problems(report) == [
        "row 2, event_date '31-02-2020': No such day.",
        "row 2, latitude '95': Out of range: must be between -90 and 90.",
        "row 3, geo_precision '9': Unknown precision code: ACLED uses 1, 2 or 3.",
        "row 4, event_id_cnty 'IRQ2': Appears again (first on row 3).",
    ]
    assert nothing_written()


def test_missing_columns_are_each_named(investigation):
    header = [name for name in CURRENT_LAYOUT if name not in ("event_date", "latitude")]
    report = run(investigation, acled_file({}, header=header))
    assert problems(report) == [
        "row 1, event_date: This ACLED column is missing.",
        "row 1, latitude: This ACLED column is missing.",
    ]
    assert nothing_written()


def test_a_row_with_the_wrong_number_of_fields_is_reported(investigation):
    data = acled_file({}) + b"IRQ9,2020-01-01,2020\n"
    report = run(investigation, data)
    assert problems(report) == ["row 3: This row has 3 fields; the header has 31."]
    assert nothing_written()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "file: The file is empty."),
        (b"PK\x03\x04\x14\x00\x00\x00garbage", "file: This is a zip file or an Excel workbook"),
        ("event_id_cnty,event_date\n".encode("utf-16"), "file: The file is UTF-16 text"),
        (b"event_id_cnty\x00,event_date\n", "file: The file contains NUL bytes"),
        (b"event_id_cnty,notes\nIRQ1,caf\xe9\n", "row 2: Not UTF-8 text (byte 0xe9 at line 2)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file: The file contains NUL bytes"),
        (
            b"Dear editor,\nplease find the data attached.\n",
            "row 1, event_id_cnty: This ACLED column is missing.",
        ),
    ],
    ids=["empty", "xlsx", "utf-16", "nul", "latin-1", "png", "prose"],
)
def test_a_file_that_is_no_utf8_csv_is_refused_with_a_clear_reason(investigation, data, expected):
    report = run(investigation, data)
    assert not report.ok
    assert problems(report)[0].startswith(expected), problems(report)
    assert nothing_written()


def test_a_header_only_file_imports_nothing_and_says_so(investigation):
    report = run(investigation, acled_file())
    assert report.ok and report.rows == 0 and report.created == 0
    assert nothing_written()


# Performance: a few queries per thousand rows ------------------------------------------------


def test_importing_a_thousand_rows_takes_a_few_queries_per_batch(investigation):
    rows = [
        {
            "event_id_cnty": f"IRQ{number}",
            "location": f"Village {number % 50}",
            "actor2": f"Group {number % 20}",
        }
        for number in range(1000)
    ]
    with CaptureQueriesContext(connection) as queries:
        report = run(investigation, acled_file(*rows))
    assert report.ok and report.created == 1000
    # Per-row queries would be thousands. SQLite splits a bulk insert every 999 parameters
    # (about 50 events); PostgreSQL inserts each batch of 1000 at once. The search index of the
    # events, places and actors written takes a few more per batch (investigation.search).
    limit = 30 if connection.vendor == "postgresql" else 110
    assert len(queries) <= limit, [query["sql"][:80] for query in queries]
    assert EventActor.objects.count() == 4000


# The command -----------------------------------------------------------------------------------


def test_the_command_imports_a_file_and_prints_progress(investigation, tmp_path):
    path = tmp_path / "acled.csv"
    path.write_bytes(acled_file(*({"event_id_cnty": f"IRQ{n}"} for n in range(1200))))
    out = io.StringIO()

    call_command("import_acled", str(path), "--investigation", investigation.slug, stdout=out)

    assert "checked 1000 rows" in out.getvalue()
    assert "written 1000/1200 rows" in out.getvalue()
    assert "created 1200 events" in out.getvalue()
    assert Event.objects.count() == 1200


def test_the_commands_dry_run_writes_nothing(investigation, tmp_path):
    path = tmp_path / "acled.csv"
    path.write_bytes(acled_file({}))
    out = io.StringIO()
    call_command(
        "import_acled", str(path), "--investigation", investigation.slug, "--dry-run", stdout=out
    )
    assert (
        "Dry run, nothing written" in out.getvalue() and "would create 1 events" in out.getvalue()
    )
    assert nothing_written()


def test_the_command_lists_every_problem_and_fails(investigation, tmp_path):
    path = tmp_path / "acled.csv"
    path.write_bytes(
        acled_file({"event_date": "31-02-2020"}, {"event_id_cnty": "X", "latitude": "200"})
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 2 problem"):
        call_command("import_acled", str(path), "--investigation", investigation.slug, stderr=err)
    assert "row 2, event_date '31-02-2020': No such day." in err.getvalue()
    assert "row 3, latitude '200'" in err.getvalue()
    assert nothing_written()


# The admin page ------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    client.force_login(cast["admin"])
    return client


def upload(data, name="acled.csv"):
    file = io.BytesIO(data)
    file.name = name
    return file


ACLED_URL = "admin:events_event_acled_import"


def test_an_admin_previews_then_confirms_an_acled_import(admin_client, investigation):
    changelist = admin_client.get(reverse("admin:events_event_changelist"))
    assert reverse(ACLED_URL) in changelist.content.decode()

    page = admin_client.post(
        reverse(ACLED_URL), {"investigation": investigation.pk, "file": upload(acled_file({}))}
    )

    assert page.status_code == 200
    assert "would create 1 events" in page.content.decode()
    assert nothing_written()
    token = page.context["confirm_form"]["token"].value()
    done = admin_client.post(reverse(ACLED_URL), {"token": token})
    assert done.status_code == 302
    assert Event.objects.get().external_id == "IRQ1001"
    again = admin_client.post(reverse(ACLED_URL), {"token": token})  # a second click
    assert again.status_code == 302 and Event.objects.count() == 1


def test_the_admin_page_lists_every_problem_and_writes_nothing(admin_client, investigation):
    data = acled_file({"event_date": "31-02-2020"}, {"event_id_cnty": "X2", "longitude": "500"})

    page = admin_client.post(
        reverse(ACLED_URL), {"investigation": investigation.pk, "file": upload(data)}
    )

    html = page.content.decode()
    assert "Nothing was imported" in html and page.context["confirm_form"] is None
    assert [(p.row, p.column) for p in page.context["problems"]] == [
        (2, "event_date"),
        (3, "longitude"),
    ]
    assert "No such day." in html and "Out of range" in html
    assert nothing_written()


@pytest.mark.parametrize("role", ["reporter", "editor", "outsider"])
def test_only_admins_reach_the_acled_import(client, cast, role):
    client.force_login(cast[role])
    assert client.get(reverse(ACLED_URL)).status_code == 403
    assert (
        reverse(ACLED_URL)
        not in client.get(reverse("admin:events_event_changelist")).content.decode()
    )


def test_a_preview_token_works_only_for_its_admin_and_investigation(
    admin_client, client, cast, investigation, other_investigation
):
    page = admin_client.post(
        reverse(ACLED_URL), {"investigation": investigation.pk, "file": upload(acled_file({}))}
    )
    token = page.context["confirm_form"]["token"].value()
    other_admin = make_member(other_investigation, "admin", "other-admin")
    client.force_login(other_admin)
    assert client.post(reverse(ACLED_URL), {"token": token}).status_code == 403
    assert client.post(reverse(ACLED_URL), {"token": token + "x"}).status_code == 302
    assert nothing_written()


def test_an_admin_cannot_import_into_an_investigation_they_do_not_administer(
    admin_client, other_investigation
):
    page = admin_client.post(
        reverse(ACLED_URL),
        {"investigation": other_investigation.pk, "file": upload(acled_file({}))},
    )
    assert "investigation" in page.context["form"].errors
    assert nothing_written()


# Numbers the database cannot hold, files left behind, large files on a worker -----------------

OVERFLOW = str(2**31)  # 2,147,483,648: one more than Event.fatalities holds


@pytest.mark.parametrize("dry_run", [True, False])
def test_fatalities_past_what_the_database_holds_are_refused_in_the_dry_run_and_the_import(
    investigation, dry_run
):
    report = run(investigation, acled_file({"fatalities": OVERFLOW}), dry_run=dry_run)

    assert problems(report) == [
        f"row 2, fatalities '{OVERFLOW}': Out of range: at most 2147483647."
    ]
    assert nothing_written()


def test_the_largest_fatalities_the_database_holds_imports(investigation):
    report = run(investigation, acled_file({"fatalities": str(2**31 - 1)}))
    assert report.ok and Event.objects.get().fatalities == 2**31 - 1


def test_the_command_refuses_an_overflow_without_a_traceback(investigation, tmp_path):
    path = tmp_path / "acled.csv"
    path.write_bytes(acled_file({"fatalities": OVERFLOW}))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_acled", str(path), "--investigation", investigation.slug, stderr=err)
    assert "Out of range" in err.getvalue() and "Traceback" not in err.getvalue()
    assert nothing_written()


def test_a_database_refusal_during_the_import_is_told_in_words_and_writes_nothing(
    investigation, monkeypatch
):
    from django.db import DataError

    def refuse(*args, **kwargs):
        raise DataError("integer out of range: Canary notes")

    monkeypatch.setattr(EventActor.objects, "bulk_create", refuse)
    report = run(investigation, acled_file({}))
    (problem,) = problems(report)
    assert "The database refused these rows, so nothing was imported" in problem
    assert "Canary" not in problem and "out of range" not in problem
    assert nothing_written()


def test_a_confirm_that_fails_leaves_no_pending_file(admin_client, investigation, monkeypatch):
    from django.db import DataError

    from investigation.importexport import import_file_names

    page = admin_client.post(
        reverse(ACLED_URL), {"investigation": investigation.pk, "file": upload(acled_file({}))}
    )
    assert len(import_file_names()) == 1  # waiting for the confirm
    monkeypatch.setattr(
        EventActor.objects, "bulk_create", lambda *a, **k: (_ for _ in ()).throw(DataError())
    )

    done = admin_client.post(
        reverse(ACLED_URL), {"token": page.context["confirm_form"]["token"].value()}
    )

    assert done.status_code == 200 and "Nothing was imported" in done.content.decode()
    assert import_file_names() == []
    assert nothing_written()


def test_a_refused_preview_leaves_no_pending_file(admin_client, investigation):
    from investigation.importexport import import_file_names

    page = admin_client.post(
        reverse(ACLED_URL),
        {"investigation": investigation.pk, "file": upload(acled_file({"fatalities": OVERFLOW}))},
    )
    assert page.status_code == 200 and page.context["confirm_form"] is None
    assert import_file_names() == []


def test_a_header_of_forty_thousand_columns_is_checked_and_named_briefly(investigation):
    header = [*CURRENT_LAYOUT, *(f"extra{number}" for number in range(40_000)), "notes"]
    report = run(investigation, acled_file({}, header=header), dry_run=True)
    assert problems(report) == ["row 1, notes: This column appears more than once."]
    assert "and 39,980 more" in report.notes[0]


def test_a_re_import_that_changes_an_event_makes_it_a_new_version(investigation):
    run(investigation, acled_file({}))
    version = Event.objects.get().version
    run(investigation, acled_file({"fatalities": "9"}))
    event = Event.objects.get()
    assert event.fatalities == 9 and event.version > version


def test_a_large_acled_file_goes_to_a_worker_with_a_progress_page(
    admin_client, cast, investigation, settings, django_capture_on_commit_callbacks, mailoutbox
):
    from investigation.models import ImportJob

    settings.IMPORT_ASYNC_ROWS = 2
    cast["admin"].email = "admin@example.org"
    cast["admin"].save()
    data = acled_file(*({"event_id_cnty": f"IRQ{n}"} for n in range(3)))

    with django_capture_on_commit_callbacks(execute=True):
        started = admin_client.post(
            reverse(ACLED_URL), {"investigation": investigation.pk, "file": upload(data)}
        )

    job = ImportJob.objects.get()
    assert started.status_code == 302 and started.url == job.get_absolute_url()
    assert (job.kind, job.status, job.new_rows) == ("acled", "ready", 3)  # checked, eagerly
    assert nothing_written()
    page = admin_client.get(job.get_absolute_url())
    assert "Would create 3" in page.content.decode() and page.context["may_confirm"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(job.get_absolute_url())
    job.refresh_from_db()
    assert (job.status, job.rows_written, job.file) == ("done", 3, "")
    assert Event.objects.count() == 3
    assert [m.subject for m in mailoutbox] == [
        "Fieldbook: your ACLED import is checked and waits for your confirmation",
        "Fieldbook: your ACLED import is done",
    ]
    assert job.get_absolute_url() in mailoutbox[-1].body and "Kirkuk" not in mailoutbox[-1].body
