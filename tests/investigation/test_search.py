"""One search across an investigation (investigation.search, /search/ and the admin lists' search
boxes): stemming, phrases, Arabic and aliases, ranking, snippets, filters, access, what is never
indexed, upkeep on save, import and delete, the query budget and what is never logged. Every
test runs on SQLite (FTS5) and, with DATABASE_URL, on PostgreSQL (tsvector, pg_trgm)."""

import datetime
import io
import logging

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event
from investigation import search
from investigation.models import SearchEntry
from sources.models import Interview, Source
from tests.admin_forms import post_changed
from tests.events.test_acled import acled_file
from tests.events.test_acled import run as acled_run
from tests.events.test_import_export import EVENT_HEADER, confirm, preview, table
from tests.factories import (
    make_actor,
    make_event,
    make_follow_up,
    make_interview,
    make_location,
    make_source,
)

HAWIJA_ALIASES = "Huwija\nHawijah\nالحويجة"
IDENTITY = "Zorbulat Quenneby"  # planted in identities and sensitive notes: never found
NOTE_WORD = "Plovdivka"


def found(client, text, **filters):
    """[(kind, title)] of what /search/ shows for `text`, in its order."""
    response = client.get("/search/", {"q": text, **filters})
    assert response.status_code == 200
    results = response.context["found"]
    return [(group.kind, hit.title) for group in results.groups for hit in group.hits]


def titles(client, text, **filters):
    return [title for _, title in found(client, text, **filters)]


def listed(client, url, text):
    """The rows an admin list shows for its own search box."""
    response = client.get(url, {"q": text})
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.fixture
def reporter_client(client, cast):
    client.force_login(cast["reporter"])
    return client


@pytest.fixture
def hawija(investigation, cast):
    """A place with its other spellings, an interview held there and a raid there."""
    place = make_location(investigation, name="Hawija", admin2="Hawija", aliases=HAWIJA_ALIASES)
    interview = make_interview(
        investigation,
        cast["reporter"],
        location=place,
        summary="He described the night the checkpoint was moved.",
    )
    event = make_event(
        investigation, title="Raid on farm sheds", location=place, description="Sheds burnt."
    )
    search.index_rebuild()
    return {"place": place, "interview": interview, "event": event}


# Words: stemming, phrases, ranking, snippets --------------------------------------------------


def test_a_word_finds_its_other_forms(reporter_client, investigation):
    make_event(investigation, title="Badr stops a joint convoy", description="Turned back.")
    make_event(investigation, title="Raid on a hideout", description="No convoy involved.")
    make_event(investigation, title="Market reopens", description="Traders came back.")
    search.index_rebuild()

    assert sorted(titles(reporter_client, "convoys")) == [
        "Badr stops a joint convoy",
        "Raid on a hideout",
    ]
    assert titles(reporter_client, "reopened") == ["Market reopens"]


def test_quoted_words_are_found_only_together_and_in_order(reporter_client, investigation):
    make_event(investigation, title="Badr stops a joint convoy")
    make_event(investigation, title="Convoy of the joint command", description="")
    search.index_rebuild()

    assert titles(reporter_client, '"joint convoy"') == ["Badr stops a joint convoy"]
    assert sorted(titles(reporter_client, "joint convoy")) == [  # a control: both hold both
        "Badr stops a joint convoy",
        "Convoy of the joint command",
    ]


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_text(reporter_client, investigation):
    make_event(investigation, title="Shepherds return", description="A checkpoint nearby.")
    make_event(investigation, title="Checkpoint attacked at night", description="Two hurt.")
    search.index_rebuild()

    assert titles(reporter_client, "checkpoint") == [
        "Checkpoint attacked at night",
        "Shepherds return",
    ]


def test_a_common_word_ranks_the_newest_matches_and_says_more_were_found(
    reporter_client, investigation, monkeypatch
):
    make_event(investigation, title="Convoy at the bridge", description="The oldest convoy.")
    make_event(investigation, title="Shepherds see a convoy", description="")
    make_event(investigation, title="Convoy turns back", description="A convoy, a convoy.")
    make_event(investigation, title="Market reopens", description="")
    search.index_rebuild()

    # A control: with room for all three, all are ranked and counted.
    monkeypatch.setattr(search, "POOL", 10)
    response = reporter_client.get("/search/", {"q": "convoy", "kind": "event"})
    (group,) = response.context["found"].groups
    assert (group.found, group.capped) == (3, False)
    assert "3 found" in response.content.decode()
    assert len(group.hits) == 3

    monkeypatch.setattr(search, "POOL", 2)
    response = reporter_client.get("/search/", {"q": "convoy", "kind": "event"})
    (group,) = response.context["found"].groups
    page = response.content.decode()
    assert group.capped and not group.more
    assert sorted(hit.title for hit in group.hits) == [
        "Convoy turns back",
        "Shepherds see a convoy",
    ]  # the newest two, the oldest left out of the ranking
    assert "more than 2 found" in page
    assert "add a word, a date range or an investigation" in page
    assert titles(reporter_client, "convoy oldest") == ["Convoy at the bridge"]  # a word more


def test_results_are_grouped_by_kind_with_the_record_date_at_its_precision_and_a_link(
    reporter_client, investigation, cast, hawija
):
    response = reporter_client.get("/search/", {"q": "Hawija"})

    assert response.status_code == 200
    groups = {group.kind: group for group in response.context["found"].groups}
    assert {"interview", "event", "location"} <= set(groups)
    event_hit = groups["event"].hits[0]
    assert event_hit.when == "Nov 2018"  # a month-precision date, as the map shows it
    assert event_hit.url == f"/admin/events/event/{hawija['event'].pk}/change/"
    page = response.content.decode()
    assert f'href="/admin/sources/interview/{hawija["interview"].pk}/change/"' in page


def test_the_words_found_are_marked_in_a_short_escaped_snippet(reporter_client, investigation):
    make_event(
        investigation,
        title="Night raid",
        description="Fewer than 3 < 5 trucks in the convoy & <script>alert(1)</script> "
        + "More words. " * 60,
    )
    search.index_rebuild()

    response = reporter_client.get("/search/", {"q": "convoy"})

    assert response.status_code == 200
    page = response.content.decode()
    snippet = str(response.context["found"].groups[0].hits[0].snippet)
    assert "the <mark>convoy</mark> &amp;" in snippet
    assert "3 &lt; 5" in snippet
    assert "<script>" not in snippet and "<script>alert" not in page
    assert len(snippet) < 400  # a short piece of a long text
    assert '<p class="fb-search-snippet" dir="auto">' in page


def test_common_words_alone_find_nothing_and_say_so(reporter_client, investigation):
    make_event(investigation, title="The raid")
    search.index_rebuild()

    response = reporter_client.get("/search/", {"q": "the"})

    assert response.status_code == 200
    assert response.context["found"].groups == []
    assert "too common" in response.content.decode()
    assert titles(reporter_client, "the raid") == ["The raid"]  # a control


# Arabic and aliases ---------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["Hawija", "Huwija", "Hawijah", "الحويجة", "الحويجه", "حويجة"])
def test_every_spelling_of_a_place_finds_it_and_what_happened_there(
    reporter_client, hawija, spelling
):
    results = found(reporter_client, spelling)

    assert ("location", "Hawija, Hawija, Kirkuk") in results
    assert ("event", "Raid on farm sheds") in results
    assert ("interview", "Interview with no source") in results


def test_an_actors_other_names_find_its_events(reporter_client, investigation):
    badr = make_actor(investigation, name="Badr Organization", aliases="Badr Brigade\nمنظمة بدر")
    make_event(investigation, title="Checkpoint stops a convoy", actors=[badr])
    make_event(investigation, title="Market reopens")
    search.index_rebuild()

    assert ("event", "Checkpoint stops a convoy") in found(reporter_client, "منظمه بدر")
    assert ("event", "Checkpoint stops a convoy") in found(reporter_client, "brigade")
    assert ("event", "Market reopens") not in found(reporter_client, "بدر")


def test_arabic_text_is_found_whatever_its_letter_forms_and_diacritics(
    reporter_client, investigation, cast
):
    make_interview(investigation, cast["reporter"], summary="قال إنّ القافلة توقّفت عند السيطرة")
    search.index_rebuild()

    for typed in ["ان القافله", "القافلة", "توقفت"]:
        assert titles(reporter_client, typed) == ["Interview with no source"], typed
    assert titles(reporter_client, "الطائرة") == []  # a control: another word finds nothing


def test_a_misspelt_name_finds_the_closest_spelling(reporter_client, hawija):
    response = reporter_client.get("/search/", {"q": "Hawijja"})

    assert response.status_code == 200
    assert response.context["found"].widened
    assert ("event", "Raid on farm sheds") in found(reporter_client, "Hawijja")
    assert "spelt closely" in response.content.decode()


def test_the_demo_gives_places_and_actors_their_arabic_names(db, client, settings, tmp_path):
    from django.contrib.auth import get_user_model

    settings.DEBUG, settings.VAR_DIR = True, tmp_path
    call_command("seed_demo", stdout=io.StringIO())  # rebuilds the index at its end
    client.force_login(get_user_model().objects.get(username="reporter"))

    held_in_hawija = Interview.objects.filter(location__name="Hawija").count()
    results = found(client, "الحويجة", kind="interview")
    assert held_in_hawija and len(results) >= held_in_hawija
    assert ("location", "Hawija, Hawija, Kirkuk") in found(client, "Huwija")
    assert ("actor", "Badr Organization") in found(client, "منظمة بدر")


# Filters --------------------------------------------------------------------------------------


def test_filters_narrow_by_kind_investigation_and_dates(reporter_client, investigation, cast):
    make_event(investigation, title="Raid in November", date=datetime.date(2018, 11, 1))
    make_event(
        investigation,
        title="Raid in March",
        date=datetime.date(2020, 3, 11),
        date_precision="day",
    )
    make_interview(investigation, cast["reporter"], summary="A raid nobody admits.")
    search.index_rebuild()

    assert sorted(titles(reporter_client, "raid", kind="event")) == [
        "Raid in March",
        "Raid in November",
    ]
    assert titles(reporter_client, "raid", kind="event", start="Nov 2018", end="2019") == [
        "Raid in November"  # month precision: November overlaps
    ]
    assert titles(reporter_client, "raid", kind="event", start="15 Nov 2018", end="Dec 2018") == [
        "Raid in November"
    ]
    assert titles(reporter_client, "raid", investigation=investigation.pk, kind="interview") == [
        "Interview with no source"
    ]


def test_a_date_that_cannot_be_read_is_refused_with_a_message_and_searches_nothing(
    reporter_client, investigation
):
    make_event(investigation, title="Raid in November")
    search.index_rebuild()

    response = reporter_client.get("/search/", {"q": "raid", "start": "01/02/2019"})

    assert response.status_code == 200
    assert response.context["found"] is None
    assert response.context["form"].errors["start"]
    assert "Raid in November" not in response.content.decode()
    assert titles(reporter_client, "raid", start="Jan 2018") == ["Raid in November"]  # control


def test_another_investigation_cannot_be_chosen(
    reporter_client, investigation, other_investigation
):
    make_event(other_investigation, title="Port raid")
    search.index_rebuild()

    response = reporter_client.get(
        "/search/", {"q": "raid", "investigation": other_investigation.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["investigation"]
    assert response.context["found"] is None


# Access: compartments, identities, sensitive notes ---------------------------------------------


def test_an_outsider_finds_nothing_of_another_investigation(
    client, cast, investigation, other_investigation
):
    make_event(investigation, title="Raid on the sheds")
    make_event(other_investigation, title="Raid on the port")
    search.index_rebuild()
    client.force_login(cast["outsider"])

    assert titles(client, "raid") == ["Raid on the port"]
    assert listed(client, "/admin/events/event/", "sheds") == []
    assert [e.title for e in listed(client, "/admin/events/event/", "port")] == ["Raid on the port"]


@pytest.fixture
def planted(investigation, cast):
    """An identity and sensitive notes holding words nothing else holds, and the same note
    word in another interview's summary (the positive control)."""
    source = make_source(
        investigation,
        cast["reporter"],
        description="farmer, Hawija district",
        real_name=IDENTITY,
        contact=f"{IDENTITY} +964 770 000 1111",
        identifying_notes=f"Brother of {IDENTITY}",
        aliases=IDENTITY,
    )
    hidden = make_interview(
        investigation,
        cast["reporter"],
        sources=[source],
        summary="Talked about the raids.",
        sensitive_notes=f"{NOTE_WORD}: met at his cousin's house, {IDENTITY}",
    )
    shown = make_interview(investigation, cast["reporter"], summary=f"The {NOTE_WORD} bridge.")
    search.index_rebuild()
    return {"source": source, "hidden": hidden, "shown": shown}


def test_identities_and_sensitive_notes_are_never_found(client, cast, planted):
    for person in ("reporter", "editor"):  # an editor may read both, and still never finds them
        client.force_login(cast[person])
        assert titles(client, "Zorbulat") == []
        assert titles(client, "Quenneby", kind="source") == []
        assert listed(client, "/admin/sources/source/", "Zorbulat") == []
        assert listed(client, "/admin/sources/interview/", "Zorbulat") == []
        # The same word in a summary is found; in sensitive notes it is not.
        assert found(client, NOTE_WORD) == [("interview", "Interview with no source")]
        shown = listed(client, "/admin/sources/interview/", NOTE_WORD)
        assert [row.pk for row in shown] == [planted["shown"].pk]
        assert titles(client, "farmer", kind="source") == [planted["source"].codename]


def test_the_index_holds_no_identity_and_no_sensitive_notes(planted):
    entries = list(SearchEntry.objects.values_list("title", "text", "names"))
    assert len(entries) >= 3  # a control: the source and both interviews are indexed
    for text in (IDENTITY, "Zorbulat", "quenneby", NOTE_WORD.lower() + ":", "cousin"):
        assert not any(text.lower() in column.lower() for row in entries for column in row), text
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT term FROM investigation_searchentry_vocab")
            vocabulary = {term for (term,) in cursor.fetchall()}
        assert "farmer" in vocabulary and not {"zorbulat", "quenneby", "cousin"} & vocabulary


def test_the_registry_refuses_to_index_an_encrypted_field(planted):
    def document(source):
        return search.SearchDocument(title=source.codename, texts=[source.real_name])

    with pytest.raises(ImproperlyConfigured, match="encrypted"):
        search.register(Source, kind="x", label="X", document=document, reads=["real_name"])
    with pytest.raises(ImproperlyConfigured, match="encrypted"):
        search.register(
            Interview, kind="x", label="X", document=document, reads=["sources__contact"]
        )
    with pytest.raises(TypeError, match="never"):
        document(planted["source"])  # a value read anyway is refused when indexed
    assert search.REGISTRY["sources.source"].kind == "source"  # nothing was replaced


# Upkeep: saves, imports, deletes, the sweep, the command ------------------------------------


def test_an_admin_save_is_found_at_once_and_the_old_words_are_not(client, cast, investigation):
    event = make_event(investigation, title="Raid on farm sheds", description="")
    search.index_rebuild()
    client.force_login(cast["editor"])

    response = post_changed(
        client, f"/admin/events/event/{event.pk}/change/", title="Convoy turned back"
    )

    assert response.status_code == 302
    assert titles(client, "convoy") == ["Convoy turned back"]
    assert titles(client, "sheds") == []


def test_a_new_alias_of_a_place_finds_what_happened_there(
    client, cast, investigation, django_capture_on_commit_callbacks
):
    place = make_location(investigation, name="Hawija")
    make_event(investigation, title="Raid on farm sheds", location=place)
    search.index_rebuild()
    client.force_login(cast["editor"])
    assert titles(client, "الحويجة") == []

    with django_capture_on_commit_callbacks(execute=True):
        response = post_changed(
            client, f"/admin/events/location/{place.pk}/change/", aliases="Huwija\nالحويجة"
        )

    assert response.status_code == 302
    assert "Raid on farm sheds" in titles(client, "Huwija")
    assert "Raid on farm sheds" in titles(client, "الحويجه")


def test_a_record_deleted_in_the_admin_is_no_longer_found(client, cast, investigation):
    one = make_event(investigation, title="Raid one")
    two = make_event(investigation, title="Raid two")
    make_event(investigation, title="Raid three")
    search.index_rebuild()
    client.force_login(cast["editor"])

    deleted = client.post(f"/admin/events/event/{one.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/events/event/",
        {"action": "delete_selected", "_selected_action": [two.pk], "post": "yes"},
    )

    assert (deleted.status_code, bulk.status_code) == (302, 302)
    assert titles(client, "raid") == ["Raid three"]
    assert not SearchEntry.objects.filter(model="events.event", object_id__in=[one.pk, two.pk])


def test_a_spreadsheet_import_is_found_once_confirmed(
    client, cast, investigation, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "private"
    client.force_login(cast["admin"])
    data = table(
        EVENT_HEADER, ["", "raid", "Raid on the grain silo", "2019-05-14", "day", "", "reported"]
    )

    page = preview(client, "events_event", investigation, data)
    assert titles(client, "silo") == []  # a preview writes nothing, indexes nothing
    assert confirm(client, "events_event", page).status_code == 302

    assert titles(client, "silo") == ["Raid on the grain silo"]


def test_an_acled_import_is_found_with_its_place_and_source(reporter_client, investigation):
    report = acled_run(investigation, acled_file({}))

    assert report.ok
    assert titles(reporter_client, "Wadi al Shay", kind="event") == [
        "Air/drone strike in Wadi al Shay"
    ]
    assert titles(reporter_client, "Rudaw") == ["Air/drone strike in Wadi al Shay"]
    assert titles(reporter_client, "Wadi al Shay", kind="location") == [
        "Wadi al Shay, Hawija, Kirkuk"
    ]


def test_the_sweep_indexes_rows_changed_behind_the_admins_back_and_forgets_deleted_ones(
    reporter_client, investigation, cast
):
    kept = make_event(investigation, title="Raid on farm sheds")
    gone = make_event(investigation, title="Raid on the granary")
    search.index_rebuild()
    Event.objects.filter(pk=kept.pk).update(title="Ambush on the road", updated_at=timezone.now())
    Event.objects.filter(pk=gone.pk).delete()
    make_follow_up(investigation, cast["reporter"], title="Call the miller")

    assert titles(reporter_client, "ambush") == []  # not yet: no admin page saw these
    indexed = search.index_sweep()

    assert indexed == 2  # the changed event and the new follow-up; nothing else
    assert titles(reporter_client, "ambush") == ["Ambush on the road"]
    assert titles(reporter_client, "granary") == []
    assert titles(reporter_client, "miller") == ["Call the miller"]
    assert search.index_sweep() == 0  # a second sweep finds nothing to do


def test_the_rebuild_command_indexes_one_investigation_or_refuses_an_unknown_one(
    investigation, other_investigation
):
    make_event(investigation, title="Raid on farm sheds")
    make_event(other_investigation, title="Raid on the port")
    out = io.StringIO()

    call_command("rebuild_search_index", investigation=investigation.slug, stdout=out)

    indexed = SearchEntry.objects.values_list("investigation_id", flat=True)
    assert set(indexed) == {investigation.pk}
    assert "Events: 1 of 1" in out.getvalue()
    with pytest.raises(CommandError, match="No investigation"):
        call_command("rebuild_search_index", investigation="no-such-desk", stdout=out)


# The admin lists' own search boxes ------------------------------------------------------------


def test_an_admin_list_search_reads_the_index_not_every_row(reporter_client, hawija):
    with CaptureQueriesContext(connection) as queries:
        rows = listed(reporter_client, "/admin/events/event/", "Huwija")

    assert [row.title for row in rows] == ["Raid on farm sheds"]  # an alias of its place
    sqls = [query["sql"] for query in queries.captured_queries]
    assert any("investigation_searchentry" in sql for sql in sqls)
    assert not any("LIKE" in sql.upper() for sql in sqls)
    interviews = listed(reporter_client, "/admin/sources/interview/", "checkpoints")
    assert [row.pk for row in interviews] == [hawija["interview"].pk]  # stemmed


def test_an_autocomplete_finds_a_place_by_the_start_of_any_of_its_names(reporter_client, hawija):
    response = reporter_client.get(
        "/admin/autocomplete/",
        {"app_label": "events", "model_name": "event", "field_name": "location", "term": "Huw"},
    )

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [str(hawija["place"].pk)]


@pytest.mark.parametrize("url", ["/search/", "/admin/events/event/", "/admin/sources/interview/"])
def test_a_search_takes_as_many_queries_with_ten_times_the_rows(
    reporter_client, investigation, cast, url
):
    def queries_for(count):
        for number in range(count):
            event = make_event(investigation, title=f"Raid number {number}")
            make_interview(investigation, cast["reporter"], events=[event], summary="A raid.")
        search.index_rebuild()
        reporter_client.get(url, {"q": "raid"})  # warm: sessions, permissions
        with CaptureQueriesContext(connection) as queries:
            assert reporter_client.get(url, {"q": "raid"}).status_code == 200
        return len(queries)

    assert queries_for(3) == queries_for(27)


# No trace of what people looked for ------------------------------------------------------------


def test_search_words_reach_no_log(reporter_client, investigation, caplog):
    make_event(investigation, title="Raid on the Quillmoor mill")
    search.index_rebuild()
    caplog.set_level(logging.DEBUG)

    assert titles(reporter_client, "Quillmoor") == ["Raid on the Quillmoor mill"]
    listed(reporter_client, "/admin/events/event/", "Quillmoor")
    reporter_client.get(
        "/admin/autocomplete/",
        {
            "term": "Quillmoor",
            "app_label": "events",
            "model_name": "event",
            "field_name": "location",
        },
    )
    missing = reporter_client.get("/search/nowhere/", {"q": "Quillmoor"})

    assert missing.status_code == 404
    logged = [record.getMessage() for record in caplog.records]
    assert any("/search/nowhere/" in message for message in logged)  # a control: it logs
    assert not [message for message in logged if "quillmoor" in message.lower()]
    for path in (settings.BASE_DIR / "var" / "log").rglob("*"):
        if path.is_file():
            assert b"quillmoor" not in path.read_bytes().lower(), path


def test_the_development_servers_request_lines_leave_the_query_string_out():
    logger = logging.getLogger("django.server")
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(record.getMessage())
    logger.addHandler(handler)
    try:
        logger.info('"%s" %s %s', "GET /search/?q=Quillmoor&kind=event HTTP/1.1", "200", "512")
    finally:
        logger.removeHandler(handler)

    assert lines == ['"GET /search/ HTTP/1.1" 200 512']


def test_a_lists_rare_words_are_handed_over_as_ids_and_common_ones_as_a_subquery(
    reporter_client, investigation, monkeypatch
):
    for number in range(3):
        make_event(investigation, title=f"Convoy stopped {number}")
    make_event(investigation, title="Checkpoint moved")
    search.index_sweep()
    monkeypatch.setattr(search, "AT_HAND", 2)

    with CaptureQueriesContext(connection) as rare:
        assert [row.title for row in listed(reporter_client, EVENTS, "checkpoint")] == [
            "Checkpoint moved"
        ]
    with CaptureQueriesContext(connection) as common:
        assert len(listed(reporter_client, EVENTS, "convoy")) == 3  # more than AT_HAND

    def event_queries(queries):
        return [q["sql"] for q in queries if q["sql"].startswith('SELECT "events_event"."id"')]

    # The rare word's rows come by their ids; the common word's through the index's subquery.
    assert event_queries(rare)
    assert not any("investigation_searchentry" in sql for sql in event_queries(rare))
    assert any("investigation_searchentry" in sql for sql in event_queries(common))


EVENTS = "/admin/events/event/"
