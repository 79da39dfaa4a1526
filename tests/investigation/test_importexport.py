"""Spreadsheet imports that refuse instead of guessing (investigation.importexport and the
resources): ids exactly, strict yes/no, choices and numbers within what the database holds, the
same id twice refused, files that parse to nothing named for their likely cause, problems in
words, what Fieldbook exports imports back unchanged, and no copy of an upload left behind."""

import datetime
import io
import json
import os
import tempfile
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from events.models import Actor, Event, Location
from events.resources import ActorResource, EventResource, LocationResource
from investigation.importexport import (
    import_file_names,
    import_file_read,
    import_file_save,
    import_files_sweep,
    private_storage,
)
from investigation.models import FollowUp
from investigation.resources import FollowUpResource
from sources.models import Interview, Source
from sources.resources import InterviewResource, SourceResource
from tests.events.test_import_export import confirm, export, preview, table
from tests.factories import (
    make_actor,
    make_event,
    make_follow_up,
    make_interview,
    make_location,
    make_source,
)

EVENT_HEADER = ["id", "kind", "title", "date", "date_precision", "fatalities", "highlighted"]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def admin_client(client, cast, media_root):
    client.force_login(cast["admin"])
    return client


def problems_of(page):
    """(row, column, value, reason) of every problem the page lists, after checking that the
    page itself answered and offers no confirmation."""
    assert page.status_code == 200
    assert page.context.get("confirm_form") is None
    return [(p.row, p.column, p.value, p.reason) for p in page.context.get("problems") or []]


def form_error(page):
    assert page.status_code == 200 and page.context.get("confirm_form") is None
    return " ".join(page.context["form"].errors.get("import_file", []))


# Cells are read as written --------------------------------------------------------------------


def test_an_id_written_as_a_decimal_is_refused_rather_than_read_as_another_event(
    admin_client, investigation
):
    event = make_event(investigation, title="Event three", description="Kept")
    typo = f"{event.pk}.9"
    data = table(EVENT_HEADER, [typo, "clash", "Replaced?", "2020-01-01", "day", "", "0"])

    page = preview(admin_client, "events_event", investigation, data)

    ((row, column, value, reason),) = problems_of(page)
    assert (row, column, value) == (2, "id", typo)
    assert "Not a whole number" in reason
    event.refresh_from_db()
    assert (event.title, event.description) == ("Event three", "Kept")


@pytest.mark.parametrize("word", ["yes", "maybe", "-1", "2", "oui"])
def test_a_yes_no_cell_holds_1_or_0_and_nothing_else(admin_client, investigation, word):
    data = table(EVENT_HEADER, ["", "raid", "Raid", "2019-05-14", "day", "", word])

    page = preview(admin_client, "events_event", investigation, data)

    ((row, column, value, reason),) = problems_of(page)
    assert (row, column, value) == (2, "highlighted", word)
    assert "write 1 for yes or 0 for no" in reason
    assert not Event.objects.exists()


@pytest.mark.parametrize("word, highlighted", [("1", True), ("0", False), ("TRUE", True)])
def test_1_0_true_and_false_are_read_as_yes_and_no(admin_client, investigation, word, highlighted):
    data = table(EVENT_HEADER, ["", "raid", "Raid", "2019-05-14", "day", "", word])
    confirm(
        admin_client, "events_event", preview(admin_client, "events_event", investigation, data)
    )
    assert Event.objects.get().highlighted is highlighted


@pytest.mark.parametrize(
    "fatalities, reason",
    [
        ("1.5", "Not a whole number"),
        ("2147483648", "Out of range: must be between 0 and 2147483647"),
        ("-1", "Out of range"),
        ("1e3", "Not a whole number"),
        ("9" * 5000, "Out of range"),
    ],
)
def test_a_number_is_whole_and_fits_the_database_column_on_every_database(
    admin_client, investigation, fatalities, reason
):
    data = table(EVENT_HEADER, ["", "raid", "Raid", "2019-05-14", "day", fatalities, "0"])

    page = preview(admin_client, "events_event", investigation, data)

    ((row, column, value, why),) = problems_of(page)
    assert (row, column) == (2, "fatalities") and value.startswith(fatalities[:20])
    assert reason in why
    assert not Event.objects.exists()


def test_a_blank_protection_level_is_refused_rather_than_made_confidential(
    admin_client, investigation
):
    data = table(
        ["codename", "description", "category", "protection_level"],
        ["", "driver, Riyadh", "civilian", ""],
    )

    page = preview(admin_client, "sources_source", investigation, data)

    assert problems_of(page) == [(2, "protection_level", "", "Empty: this column must be filled.")]
    assert not Source.objects.exists()


def test_a_wrong_choice_names_the_choices(admin_client, investigation):
    data = table(EVENT_HEADER, ["", "picnic", "Raid", "2019-05-14", "day", "", "0"])
    ((row, column, value, reason),) = problems_of(
        preview(admin_client, "events_event", investigation, data)
    )
    assert (row, column, value) == (2, "kind", "picnic")
    assert "is not one of: raid, air_strike" in reason


@pytest.mark.parametrize("date", ["03/04/2019", "4 March 2019", "2019-3-4", "20190304"])
def test_a_date_is_yyyy_mm_dd_never_a_day_or_month_guess(admin_client, investigation, date):
    data = table(
        [*EVENT_HEADER, "end_date"], ["", "raid", "Raid", "2019-03-01", "day", "", "0", date]
    )
    ((row, column, value, reason),) = problems_of(
        preview(admin_client, "events_event", investigation, data)
    )
    assert (row, column, value) == (2, "end_date", date)
    assert "yyyy-mm-dd" in reason


def test_an_event_date_that_could_be_either_day_or_month_is_refused(admin_client, investigation):
    data = table(EVENT_HEADER, ["", "raid", "Raid", "03/04/2019", "day", "", "0"])
    ((row, column, value, reason),) = problems_of(
        preview(admin_client, "events_event", investigation, data)
    )
    assert (row, column, value) == (2, "date", "03/04/2019")
    assert "could be 3 Apr or 4 Mar" in reason


def test_the_same_id_twice_in_one_file_is_refused(admin_client, investigation):
    event = make_event(investigation, title="Original")
    data = table(
        EVENT_HEADER,
        [event.pk, "raid", "First edit", "2019-05-14", "day", "", "0"],
        [event.pk, "raid", "Second edit", "2019-05-14", "day", "", "0"],
    )

    page = preview(admin_client, "events_event", investigation, data)

    assert problems_of(page) == [
        (3, "id", str(event.pk), "Row 2 has the same id: name each row once in a file.")
    ]
    event.refresh_from_db()
    assert event.title == "Original"


def test_the_same_codename_twice_in_one_file_is_refused(admin_client, cast, investigation):
    source = make_source(investigation, cast["reporter"])
    data = table(
        ["codename", "description", "category", "protection_level"],
        [source.codename, "one", "civilian", "anonymous"],
        [source.codename, "two", "civilian", "anonymous"],
    )
    ((row, column, _value, reason),) = problems_of(
        preview(admin_client, "sources_source", investigation, data)
    )
    assert (row, column) == (3, "codename") and "Row 2 has the same codename" in reason


# Files that parse to nothing say why ---------------------------------------------------------


def test_a_semicolon_separated_csv_is_an_error_naming_the_delimiter(admin_client, investigation):
    data = b"id;kind;title;date;date_precision\n;raid;Raid;2019-05-14;day\n"
    assert "separated by semicolons" in form_error(
        preview(admin_client, "events_event", investigation, data)
    )
    assert not Event.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_is_an_error_naming_the_encoding(admin_client, investigation, encoding):
    data = "id,kind,title,date,date_precision\n,raid,Raid,2019-05-14,day\n".encode(encoding)
    assert "UTF-16" in form_error(preview(admin_client, "events_event", investigation, data))


def test_a_file_without_any_known_column_names_the_likely_causes(admin_client, investigation):
    data = b"Titel,Datum\nRazzia,14.05.2019\n"
    message = form_error(preview(admin_client, "events_event", investigation, data)) or str(
        problems_of(preview(admin_client, "events_event", investigation, data))
    )
    assert "None of the columns is one Fieldbook reads" in message
    assert "separated by commas" in message and "UTF-8" in message


def test_new_rows_without_a_column_they_need_are_refused_naming_it(admin_client, investigation):
    data = table(["id", "kind", "date"], ["", "raid", "2019-05-14"])
    ((row, column, _value, reason),) = problems_of(
        preview(admin_client, "events_event", investigation, data)
    )
    assert row is None and "Missing column(s) title" in reason


# Problems in words, never a database message -------------------------------------------------


def test_a_database_refusal_is_told_in_words_without_its_message(
    admin_client, investigation, monkeypatch
):
    from django.db import DataError

    def refuse(*args, **kwargs):
        raise DataError('value "Canary cell" out of range for type integer')

    monkeypatch.setattr(Event.objects, "bulk_create", refuse)
    data = table(EVENT_HEADER, ["", "raid", "Canary cell", "2019-05-14", "day", "", "0"])

    page = preview(admin_client, "events_event", investigation, data)

    ((row, column, _value, reason),) = problems_of(page)
    assert row is None and "could not save these rows" in reason
    body = page.content.decode()
    assert "Nothing was imported" in body
    assert "out of range for type" not in body and "Traceback" not in body


# Whatever Fieldbook exports imports back unchanged ---------------------------------------------

FORMATS = ["csv", "xlsx", "json"]


def comparable(model):
    """Every row's values, without what an import itself stamps."""
    stamped = {"updated_at", "version", "created_at", "armed_due_at"}
    names = [f.attname for f in model._meta.concrete_fields if f.name not in stamped]
    return sorted(model.objects.values_list(*names), key=str)


def round_trip(client, investigation, model_url, resource, fmt):
    response = export(client, model_url, resource, fmt)
    assert response.status_code == 200
    page = preview(client, model_url, investigation, response.content, fmt)
    assert page.context.get("confirm_form") is not None, problems_of(page)
    return confirm(client, model_url, page)


@pytest.fixture
def kirkuk(cast, investigation):
    """One of everything, with the values that trip importers up."""
    place = make_location(
        investigation, name="-Hawija", admin3="", latitude=-35.123456789, longitude=43.760001
    )
    actor = make_actor(investigation, name="=ISIS", description="")
    event = make_event(
        investigation, title="+Raid on the market", location=place, fatalities=0,
        highlighted=True, publishable=False, description="", acled_source="", tags="",
        date=datetime.date(2019, 3, 4), end_date=datetime.date(2019, 3, 6),
    )  # fmt: skip
    make_event(investigation, title="2019", location=None, fatalities=None, description="@home")
    source = make_source(investigation, cast["reporter"], description="-officer, Hawija")
    interview = make_interview(
        investigation, cast["reporter"], location=place, summary="=1+1", field_notes="",
        conducted_at=timezone.make_aware(datetime.datetime(2019, 3, 5, 21, 30)),
    )  # fmt: skip
    make_follow_up(
        investigation, cast["reporter"], title="Call back", event=event, source=source,
        interview=interview, notes="", due_at=timezone.make_aware(datetime.datetime(2030, 1, 2, 9)),
    )  # fmt: skip
    return {"place": place, "actor": actor, "event": event}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "model_url, resource, model",
    [
        ("events_event", EventResource, Event),
        ("events_location", LocationResource, Location),
        ("events_actor", ActorResource, Actor),
        ("sources_interview", InterviewResource, Interview),
        ("investigation_followup", FollowUpResource, FollowUp),
        ("sources_source", SourceResource, Source),
    ],
)
def test_what_fieldbook_exports_imports_back_unchanged(
    admin_client, investigation, kirkuk, model_url, resource, model, fmt
):
    before = comparable(model)

    done = round_trip(admin_client, investigation, model_url, resource, fmt)

    assert done.status_code == 302
    assert comparable(model) == before


def test_an_imported_change_is_a_new_version_so_an_older_form_cannot_undo_it(
    admin_client, investigation
):
    event = make_event(investigation, title="Before")
    version = Event.objects.get(pk=event.pk).version
    data = table(["id", "title"], [event.pk, "After"])
    confirm(
        admin_client, "events_event", preview(admin_client, "events_event", investigation, data)
    )
    event.refresh_from_db()
    assert event.title == "After" and event.version > version


# No copy left behind ---------------------------------------------------------------------------


def system_temp_files():
    return set(os.listdir(tempfile.gettempdir()))


def holding(names, canary):
    """The files among `names` in the system's temp folder that contain `canary` (other
    processes come and go there: a file gone meanwhile holds nothing)."""
    found = set()
    for name in names:
        try:
            with open(os.path.join(tempfile.gettempdir(), name), "rb") as file:
                if canary in file.read():
                    found.add(name)
        except OSError:
            continue
    return found


def test_a_refused_import_leaves_no_copy_in_the_temp_folder_or_under_media_root(
    admin_client, investigation
):
    temp_before = system_temp_files()
    data = table(EVENT_HEADER, ["", "raid", "Canary notes", "not a date", "day", "", "0"])

    page = preview(admin_client, "events_event", investigation, data)

    assert problems_of(page)  # refused
    assert import_file_names() == []
    assert holding(system_temp_files() - temp_before, b"Canary notes") == set()


def test_an_upload_waits_encrypted_until_the_confirm_and_is_deleted_by_it(
    admin_client, investigation, media_root
):
    data = table(EVENT_HEADER, ["", "raid", "Raid", "2019-05-14", "day", "", "0"])
    page = preview(admin_client, "events_event", investigation, data)
    waiting = import_file_names()
    assert len(waiting) == 1 and import_file_read(waiting[0]) == data
    stored = (media_root / "imports" / waiting[0]).read_bytes()
    assert b"2019-05-14" not in stored and len(stored) > len(data)  # ciphertext, not the file

    confirm(admin_client, "events_event", page)

    assert import_file_names() == []
    assert Event.objects.count() == 1


def test_a_confirm_that_fails_deletes_the_upload_too(admin_client, investigation):
    data = table(EVENT_HEADER, ["", "raid", "Raid", "2019-05-14", "day", "", "0"])
    page = preview(admin_client, "events_event", investigation, data)
    (waiting,) = import_file_names()
    bad = table(EVENT_HEADER, ["", "raid", "Raid", "no date", "day", "", "0"])
    private_storage().save(f"imports/{waiting}", ContentFile(bad))

    response = confirm(admin_client, "events_event", page)

    assert response.status_code == 200 and "Nothing was imported" in response.content.decode()
    assert import_file_names() == []
    assert not Event.objects.exists()


def test_the_sweep_deletes_import_files_a_crash_left_after_a_day(media_root, db):
    old = import_file_save(b"codename,description\n")
    fresh = import_file_save(b"codename,description\n")
    day_ago = (timezone.now() - datetime.timedelta(hours=25)).timestamp()
    os.utime(media_root / "imports" / old, (day_ago, day_ago))

    assert import_files_sweep() == 1

    assert import_file_names() == [fresh]


# Workbooks that unpack to more than Fieldbook reads ---------------------------------------------


def xlsx_bomb(part_bytes):
    """A valid workbook whose shared strings part unpacks to `part_bytes` of spaces."""
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(EVENT_HEADER)
    book.save(out)
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(out.getvalue())) as source,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        with target.open("xl/padding.xml", "w") as part:
            chunk = b" " * (1 << 20)
            for _ in range(part_bytes >> 20):
                part.write(chunk)
    return bomb.getvalue()


def test_a_workbook_part_that_unpacks_past_the_cap_is_refused_before_parsing(
    admin_client, investigation, settings
):
    settings.IMPORT_XLSX_PART_MAX_BYTES = 2 * 1024 * 1024
    data = xlsx_bomb(3 * 1024 * 1024)
    assert len(data) < 100_000

    message = form_error(preview(admin_client, "events_event", investigation, data, "xlsx"))

    assert "xl/padding.xml" in message and "unpacks to 3.0" in message and "2.0" in message


# The fuzz corpus: small but varied ----------------------------------------------------------------

GOOD = ["", "raid", "Raid", "2019-05-14", "day", "", "0"]


def csv_of(*rows, header=EVENT_HEADER):
    return table(header, *rows)


def json_of(**cells):
    return json.dumps([{**dict(zip(EVENT_HEADER, GOOD, strict=True)), **cells}]).encode()


def xlsx_of(**cells):
    row = {**dict(zip(EVENT_HEADER, GOOD, strict=True)), **cells}
    return table(list(row), list(row.values()), fmt="xlsx")


FUZZ = {
    "semicolons": ("csv", b"id;kind;title;date\n;raid;Raid;2019-05-14\n"),
    "tabs": ("csv", b"id\tkind\ttitle\tdate\n\traid\tRaid\t2019-05-14\n"),
    "utf-16 with bom": ("csv", ",".join(EVENT_HEADER).encode("utf-16")),
    "utf-16 without bom": ("csv", ",".join(EVENT_HEADER).encode("utf-16-le")),
    "latin-1": ("csv", "id,kind,title\n,raid,Caf\xe9\n".encode("latin-1")),
    "nul bytes": ("csv", b"id,kind,title\n,raid,R\x00aid\n"),
    "only a header": ("csv", ",".join(EVENT_HEADER).encode()),
    "empty": ("csv", b""),
    "blank header": ("csv", b",,,\n,raid,Raid,2019-05-14\n"),
    "unknown columns only": ("csv", b"foo,bar\n1,2\n"),
    "missing required column": ("csv", b"id,kind,date\n,raid,2019-05-14\n"),
    "id as float": ("csv", csv_of(["1.0", *GOOD[1:]])),
    "id as decimal": ("csv", csv_of(["3.9", *GOOD[1:]])),
    "id with letters": ("csv", csv_of(["3a", *GOOD[1:]])),
    "id unknown": ("csv", csv_of(["999999", *GOOD[1:]])),
    "id huge": ("csv", csv_of(["9" * 40, *GOOD[1:]])),
    "duplicate ids": ("csv", csv_of(["1", *GOOD[1:]], ["1", *GOOD[1:]])),
    "fatalities float": ("csv", csv_of([*GOOD[:5], "2.5", "0"])),
    "fatalities overflow": ("csv", csv_of([*GOOD[:5], "2147483648", "0"])),
    "fatalities negative": ("csv", csv_of([*GOOD[:5], "-3", "0"])),
    "fatalities words": ("csv", csv_of([*GOOD[:5], "many", "0"])),
    "fatalities with separator": ("csv", csv_of([*GOOD[:5], "1,000", "0"])),
    "boolean yes": ("csv", csv_of([*GOOD[:6], "yes"])),
    "boolean minus one": ("csv", csv_of([*GOOD[:6], "-1"])),
    "boolean blank": ("csv", csv_of([*GOOD[:6], ""])),
    "kind wrong": ("csv", csv_of(["", "picnic", *GOOD[2:]])),
    "kind blank": ("csv", csv_of(["", "", *GOOD[2:]])),
    "precision wrong": ("csv", csv_of([*GOOD[:4], "fortnight", "", "0"])),
    "date us": ("csv", csv_of([*GOOD[:3], "05/14/2019", *GOOD[4:]])),
    "date nonsense": ("csv", csv_of([*GOOD[:3], "sometime", *GOOD[4:]])),
    "date impossible": ("csv", csv_of([*GOOD[:3], "2019-02-30", *GOOD[4:]])),
    "date blank": ("csv", csv_of([*GOOD[:3], "", *GOOD[4:]])),
    "title too long": ("csv", csv_of([*GOOD[:2], "x" * 201, *GOOD[3:]])),
    "title blank": ("csv", csv_of([*GOOD[:2], "", *GOOD[3:]])),
    "other investigation": ("csv", table(["investigation", *EVENT_HEADER], ["elsewhere", *GOOD])),
    "json not a list": ("json", b'{"id": 1}'),
    "json infinity": ("json", json_of(fatalities=1e400)),
    "json nan": ("json", json_of(fatalities=float("nan"))),
    "xlsx that is csv": ("xlsx", csv_of(GOOD)),
    "xlsx float id": ("xlsx", table(EVENT_HEADER, [3.9, *GOOD[1:]], fmt="xlsx")),
    "xlsx date with a time": ("xlsx", xlsx_of(end_date=datetime.datetime(2019, 5, 14, 13, 5))),
    "xlsx decimal fatalities": ("xlsx", xlsx_of(fatalities=Decimal("1.5"))),
}  # fmt: skip


@pytest.mark.parametrize("case", FUZZ)
def test_every_file_of_the_fuzz_corpus_is_refused_in_words_and_writes_nothing(
    admin_client, investigation, case
):
    fmt, data = FUZZ[case]

    page = preview(admin_client, "events_event", investigation, data, fmt)

    assert page.status_code == 200, case
    assert page.context.get("confirm_form") is None, case
    said = form_error(page) or " ".join(str(p) for p in page.context.get("problems") or [])
    assert said, case
    body = page.content.decode()
    assert "Traceback" not in body and "IntegrityError" not in body and "DataError" not in body
    assert not Event.objects.exists()
    assert import_file_names() == []


def test_the_fuzz_corpus_controls_import_when_mended(admin_client, investigation):
    """The positive control of the corpus: its base row imports."""
    page = preview(admin_client, "events_event", investigation, csv_of(GOOD))
    confirm(admin_client, "events_event", page)
    assert Event.objects.get().title == "Raid"
