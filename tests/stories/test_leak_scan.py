"""The leak scan as an Admin meets it: a publication export refused for every way a source's
name, number, handle or place may be written, in any column, whoever's source it is; and an
export of ordinary reporting that goes out. (The matching itself: test_matching.py.)"""

import csv
import datetime

import pytest

from events.models import EventActor
from investigation.models import Role
from sources.models import Source
from stories.publication.export import publication_export
from stories.publication.scan import NEAR_PLACE, OTHER_INVESTIGATION, WRITTEN_NEAR_PLACE
from tests.factories import (
    make_actor,
    make_event,
    make_interview,
    make_location,
    make_member,
    make_source,
)
from tests.stories.test_matching import ORDINARY_REPORTING

NAME = "Mohammed Abdullah al-Jubouri"
PHONE = "+964 770 123 4567"
MET_AT = (35.3291, 43.7603)


@pytest.fixture
def protected(cast, investigation):
    """A cleared source with a name, a phone and a handle, interviewed at a known point."""
    place = make_location(investigation, name="Farmhouse", latitude=MET_AT[0], longitude=MET_AT[1])
    source = make_source(
        investigation, cast["reporter"], real_name=NAME,
        contact=f"{PHONE}, telegram @abu_ali_k, abu.ali@example.org",
        review_status=Source.ReviewStatus.CLEARED,
    )  # fmt: skip
    make_interview(investigation, cast["reporter"], sources=[source], location=place)
    return source


def export(investigation, user, tmp_path, fmt="csv"):
    output = tmp_path / f"export.{fmt}"
    result = publication_export(
        investigation=investigation, fmt=fmt, user=user, output=output, approval=None
    )
    return result, output


def event(investigation, **fields):
    """A publishable event, in Kirkuk city unless said otherwise: 60 km from where the source
    was met."""
    defaults = {"publishable": True, "date": datetime.date(2019, 1, 5), "date_precision": "day"}
    if "location" not in fields:
        fields["location"] = make_location(investigation, latitude=35.468, longitude=44.392)
    return make_event(investigation, **{**defaults, **fields})


def kinds(result):
    return {(finding["field"], finding["kind"]) for finding in result.findings}


WRITINGS = [
    # Names in other spellings and scripts
    ("Muhammad al-Jaburi was there.", "name"),
    ("Aljubouri was there.", "name part"),
    ("al-Jbouri was there.", "name part"),
    ("Jubouri was there.", "name part"),  # without the article
    ("M. al-Jubouri was there.", "name"),
    ("al-Jubourí was there.", "name part"),  # a diacritic
    ("Ｊｕｂｏｕｒｉ was there.", "name part"),  # fullwidth letters
    ("الجبوري كان هناك", "name part"),  # Arabic script, only the Latin form stored
    ("الجبـــوري كان هناك", "name part"),  # tatweel
    ("الجبوری كان هناك", "name part"),  # Persian yeh
    ("Jub\u200bouri was there.", "name part"),  # a zero-width space inside the name
    ("Jub\u200couri was there.", "name part"),  # ZWNJ
    ("Jub\u00adouri was there.", "name part"),  # a soft hyphen
    ("Jub\u043euri was there.", "name part"),  # a Cyrillic o
    # Numbers, handles, links
    ("Call 0770-123-4567.", "phone"),
    ("Call +964 (770) 123 45 67.", "phone"),
    ("Call ٠٧٧٠١٢٣٤٥٦٧.", "phone"),  # Arabic-Indic digits
    ("Call ۰۷۷۰۱۲۳۴۵۶۷.", "phone"),  # Persian digits
    ("Call zero seven seven zero one two three four five six seven.", "phone"),
    ("Write to wa.me/9647701234567 tonight.", "phone"),
    ("Posted by @\u0430bu_ali_k on Telegram.", "handle"),  # a Cyrillic a in the handle
    ("See t.me/abu_ali_k for the video.", "link"),
    ("Mail ABU.ALI@example.org for photos.", "email"),
    # Coordinates written in the text
    ("Hit at 35.3292, 43.7604 at dusk.", WRITTEN_NEAR_PLACE),
    ("Hit at 35°19'45\"N 43°45'37\"E at dusk.", WRITTEN_NEAR_PLACE),
]


@pytest.mark.parametrize(("written", "kind"), WRITINGS, ids=[w for w, _ in WRITINGS])
def test_every_way_of_writing_a_protected_identifier_refuses_the_export(
    cast, investigation, protected, tmp_path, written, kind
):
    event(investigation, title="A raid", description=written)

    result, output = export(investigation, cast["admin"], tmp_path)

    assert result.status == "refused"
    assert ("notes", kind) in kinds(result)
    assert {finding["codename"] for finding in result.findings} == {protected.codename}
    assert not output.exists()


def test_the_same_export_without_the_identifier_goes_out(cast, investigation, protected, tmp_path):
    """The positive control of the corpus above: the export itself is fine."""
    event(investigation, title="A raid", description="Soldiers came at night.")
    result, output = export(investigation, cast["admin"], tmp_path)
    assert result.status == "done", result.findings
    assert output.exists()


def test_a_name_stored_only_in_arabic_is_found_in_latin_script(cast, investigation, tmp_path):
    make_source(
        investigation, cast["reporter"], real_name="محمد عبدالله الجبوري",
        review_status=Source.ReviewStatus.CLEARED,
    )  # fmt: skip
    event(investigation, description="Jubouri was there.")
    assert kinds(export(investigation, cast["admin"], tmp_path)[0]) == {("notes", "name part")}


def test_a_phone_split_between_the_title_and_the_notes_is_found(
    cast, investigation, protected, tmp_path
):
    event(investigation, title="Call 0770 123", description="4567 after dark")
    assert ("title", "phone") in kinds(export(investigation, cast["admin"], tmp_path)[0])


def test_a_name_in_the_external_id_is_found(cast, investigation, protected, tmp_path):
    event(investigation, external_id="IRQ-Jubouri-7", description="A raid.")
    assert kinds(export(investigation, cast["admin"], tmp_path)[0]) == {
        ("event_id_cnty", "name part")
    }


def test_a_name_in_an_actor_is_found(cast, investigation, protected, tmp_path):
    actor = make_actor(investigation, name="al-Jubouri tribal fighters")
    event(investigation, actors=[actor], description="A clash.")
    assert ("actor1", "name part") in kinds(export(investigation, cast["admin"], tmp_path)[0])


@pytest.mark.parametrize(
    ("latitude", "metres"),
    [(35.32911, 1), (35.32949 + 0.00036, 40)],  # the second across the 3-decimal edge
    ids=["1 m", "40 m across the rounding edge"],
)
def test_a_place_near_where_a_source_was_met_is_found(
    cast, investigation, protected, tmp_path, latitude, metres
):
    near = make_location(investigation, name="Orchard", latitude=latitude, longitude=MET_AT[1])
    event(investigation, location=near, description="A strike.")
    assert kinds(export(investigation, cast["admin"], tmp_path)[0]) == {
        ("latitude/longitude", NEAR_PLACE)
    }


def test_a_place_two_kilometres_away_is_not_a_finding(cast, investigation, protected, tmp_path):
    far = make_location(investigation, name="Town", latitude=MET_AT[0] + 0.018, longitude=MET_AT[1])
    event(investigation, location=far, description="A strike.")
    result, _ = export(investigation, cast["admin"], tmp_path)
    assert result.status == "done", result.findings
    assert result.rows == 1


def test_the_identity_of_a_source_of_another_investigation_is_found_but_not_named(
    cast, investigation, other_investigation, tmp_path
):
    make_source(other_investigation, cast["outsider"], real_name="Karim Hassan al-Dulaimi")
    event(investigation, description="Al-Dulaimi saw it.")

    result, _ = export(investigation, cast["admin"], tmp_path)

    assert result.status == "refused"
    assert [finding["codename"] for finding in result.findings] == [OTHER_INVESTIGATION]
    # A member of both investigations sees its codename.
    double = make_member(investigation, Role.ADMIN, "double")
    other = Source.objects.get(investigation=other_investigation)
    double.memberships.create(investigation=other_investigation, role=Role.REPORTER)
    again, _ = export(investigation, double, tmp_path)
    assert [finding["codename"] for finding in again.findings] == [other.codename]


def test_ordinary_reporting_exports_without_findings(cast, investigation, protected, tmp_path):
    for number, note in enumerate(ORDINARY_REPORTING):
        event(investigation, title=f"Event {number}", description=note)

    result, output = export(investigation, cast["admin"], tmp_path)

    assert result.status == "done", result.findings
    assert result.rows == len(ORDINARY_REPORTING) > 25


def test_findings_show_the_text_around_them_masked(cast, investigation, protected, tmp_path):
    event(investigation, description="The farmer Mohammed al-Jubouri (0770 123 4567) came.")
    result, _ = export(investigation, cast["admin"], tmp_path)
    excerpts = {finding["excerpt"] for finding in result.findings if finding["field"] == "notes"}
    assert excerpts and all("The farmer" in excerpt for excerpt in excerpts)
    assert not any("Jubouri" in excerpt or "4567" in excerpt for excerpt in excerpts)


# Who was there: the associated actors ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "geojson"])
def test_the_associated_actors_of_each_side_go_out_in_every_format(
    cast, investigation, tmp_path, fmt
):
    partner = make_actor(investigation, name="Iraqi partner forces", kind="partner_force")
    sof = make_actor(investigation, name="US special operations forces", kind="coalition")
    jtac = make_actor(investigation, name="Coalition air controllers", kind="coalition")
    isis = make_actor(investigation, name="ISIS", kind="armed_group")
    raid = event(investigation, title="Night raid", description="A joint raid.")
    for actor, role in [
        (partner, EventActor.Role.PRIMARY),
        (sof, EventActor.Role.ASSOCIATED),
        (jtac, EventActor.Role.ASSOCIATED),
        (isis, EventActor.Role.SECONDARY),
    ]:
        EventActor.objects.create(event=raid, actor=actor, role=role)

    result, output = export(investigation, cast["admin"], tmp_path, fmt)

    assert result.status == "done", result.findings
    row = read(output, fmt)[0]
    assert (row["actor1"], row["assoc_actor_1"], str(row["inter1"])) == (
        "Iraqi partner forces",
        "Coalition air controllers; US special operations forces",
        "1",
    )
    assert (row["actor2"], row["assoc_actor_2"] or "", str(row["inter2"])) == ("ISIS", "", "2")


def read(path, fmt):
    from tests.stories.test_publication import read as read_rows

    if fmt == "csv":
        return list(csv.DictReader(path.open(encoding="utf-8")))
    return read_rows(path, fmt)
