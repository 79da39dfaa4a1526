"""Claims and their evidence: independent sources counted (once per shared account, first-hand
only, never documents), clearing by editors only and only when nothing blocks it, the story
overview, the event page, the source's dossier and the fact-check sheet."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sources.models import SharedAccount, Source
from stories.claims import claim_clear, claim_standing
from stories.models import Claim, Document, Evidence, FactcheckExport, Story
from tests.factories import make_event, make_interview, make_source

SECRET = "Canary Qasimov"


def cleared_source(investigation, handler, **fields):
    return make_source(investigation, handler, review_status=Source.ReviewStatus.CLEARED, **fields)


def said(claim, source, interviewer, knowledge=Evidence.Knowledge.TOOK_PART, **fields):
    interview = make_interview(claim.investigation, interviewer, sources=[source])
    return Evidence.objects.create(
        claim=claim, interview=interview, source=source, knowledge=knowledge, **fields
    )


@pytest.fixture
def claim(investigation, cast):
    return Claim.objects.create(
        investigation=investigation,
        text="US troops went out on the raids.",
        created_by=cast["reporter"],
    )


# Counting ----------------------------------------------------------------------------------


def test_two_first_hand_sources_make_two_independent_sources(cast, investigation, claim):
    said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    assert claim_standing(claim).independent == 1
    said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    assert claim_standing(claim).independent == 2


def test_sources_who_share_one_account_count_once(cast, investigation, claim):
    family = SharedAccount.objects.create(investigation=investigation, label="Farmers, group 1")
    for _ in range(2):
        source = cleared_source(investigation, cast["reporter"], shared_account=family)
        said(claim, source, cast["reporter"], knowledge=Evidence.Knowledge.SAW)
    assert claim_standing(claim).independent == 1
    said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    assert claim_standing(claim).independent == 2  # control: another source still counts


def test_second_hand_and_unsaid_accounts_do_not_count(cast, investigation, claim):
    for knowledge in (Evidence.Knowledge.HEARD, Evidence.Knowledge.UNKNOWN):
        said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"], knowledge)
    assert claim_standing(claim).independent == 0
    said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    assert claim_standing(claim).independent == 1


def test_documents_events_and_contradicting_sources_never_count(cast, investigation, claim):
    document = Document.objects.create(investigation=investigation, title="Coalition statement")
    Evidence.objects.create(claim=claim, document=document)
    Evidence.objects.create(claim=claim, event=make_event(investigation))
    source = cleared_source(investigation, cast["reporter"])
    said(claim, source, cast["reporter"], stance=Evidence.Stance.CONTRADICTS)
    assert claim_standing(claim).independent == 0


# Clearing ----------------------------------------------------------------------------------


def test_an_editor_clears_a_claim_once_enough_cleared_sources_support_it(
    cast, investigation, claim
):
    for _ in range(2):
        said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    claim_clear(claim=claim, user=cast["editor"])
    claim.refresh_from_db()
    assert (claim.status, claim.cleared_by) == ("cleared", cast["editor"])


def test_the_page_says_plainly_what_blocks_a_claim(cast, investigation, claim):
    said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    pending = make_source(investigation, cast["reporter"])
    said(claim, pending, cast["reporter"], knowledge=Evidence.Knowledge.HEARD)

    with pytest.raises(ValidationError) as refused:
        claim_clear(claim=claim, user=cast["editor"])

    expected = f"1 of 2 independent sources; {pending.codename} is waiting for protection review"
    assert expected in refused.value.messages[0]
    claim.refresh_from_db()
    assert claim.status == "open"


def test_a_source_waiting_for_review_blocks_clearing_even_with_enough_sources(
    cast, investigation, claim
):
    said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    said(claim, make_source(investigation, cast["reporter"]), cast["reporter"])
    standing = claim_standing(claim)
    assert standing.independent == 2 and not standing.may_clear()
    with pytest.raises(ValidationError, match="waiting for protection review"):
        claim_clear(claim=claim, user=cast["editor"])


def test_each_investigation_sets_its_threshold(cast, investigation, claim):
    Story.objects.create(investigation=investigation, sources_needed=3)
    for _ in range(2):
        said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    assert claim_standing(claim).blockers() == "2 of 3 independent sources"


@pytest.mark.parametrize("role", ["reporter", "reporter2", "outsider"])
def test_only_an_editor_of_the_investigation_clears_a_claim(cast, investigation, claim, role):
    for _ in range(2):
        said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])
    with pytest.raises(PermissionDenied):
        claim_clear(claim=claim, user=cast[role])
    claim.refresh_from_db()
    assert claim.status == "open"


def test_the_admin_offers_cleared_only_through_the_button(client, cast, investigation, claim):
    client.force_login(cast["reporter"])
    page = client.get(claim.get_absolute_url())
    assert page.status_code == 200
    choices = [value for value, _ in page.context["adminform"].form.fields["status"].choices]
    assert "supported" in choices and "cleared" not in choices
    assert client.post(f"/admin/stories/claim/{claim.pk}/clear/").status_code == 403
    claim.refresh_from_db()
    assert claim.status == "open"


# From an interview, in a few clicks ------------------------------------------------------------


def test_evidence_is_added_from_an_interview_with_only_its_sources_offered(
    client, cast, investigation, claim
):
    source = cleared_source(investigation, cast["reporter"])
    other = cleared_source(investigation, cast["reporter"])
    interview = make_interview(investigation, cast["reporter"], sources=[source])
    client.force_login(cast["reporter"])
    url = f"/admin/stories/evidence/add/?interview={interview.pk}"
    form = client.get(url)
    assert form.status_code == 200
    offered = list(form.context["adminform"].form.fields["source"].queryset)
    assert offered == [source] and other not in offered

    response = client.post(url, {
        "claim": claim.pk, "stance": "supports", "interview": interview.pk,
        "source": source.pk, "knowledge": "took_part", "quote": "We were there.",
    })  # fmt: skip

    assert response.status_code == 302 and response["Location"] == claim.get_absolute_url()
    assert claim_standing(claim).independent == 1


def test_evidence_naming_a_source_of_another_interview_is_refused(cast, investigation, claim):
    source = cleared_source(investigation, cast["reporter"])
    interview = make_interview(investigation, cast["reporter"], sources=[])
    evidence = Evidence(claim=claim, interview=interview, source=source)
    with pytest.raises(ValidationError, match="this interview's sources"):
        evidence.full_clean()


# The story overview ------------------------------------------------------------------------


def test_the_overview_shows_claims_counts_blockers_and_the_official_line(
    client, cast, investigation, claim
):
    said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"], quote="We went.")
    document = Document.objects.create(investigation=investigation, title="Advise and assist")
    Evidence.objects.create(
        claim=claim, document=document, stance="contradicts", quote="Only advising."
    )
    client.force_login(cast["reporter"])

    page = client.get(f"/story/{investigation.slug}/")

    assert page.status_code == 200
    text = page.content.decode()
    assert claim.text in text and "1 of 2 independent sources" in text
    assert "Only advising." in text and "We went." in text  # side by side


def test_the_overview_is_for_members_only(client, cast, investigation, claim):
    client.force_login(cast["outsider"])
    assert client.get(f"/story/{investigation.slug}/").status_code == 404
    client.force_login(cast["reporter"])
    assert client.get(f"/story/{investigation.slug}/").status_code == 200


def test_the_overview_costs_the_same_queries_with_two_claims_and_with_twenty(
    client, cast, investigation
):
    def queries():
        client.force_login(cast["editor"])
        client.get("/admin/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/story/{investigation.slug}/").status_code == 200
        return len(captured)

    def add_claims(count):
        for number in range(count):
            claim = Claim.objects.create(investigation=investigation, text=f"Claim {number}")
            said(claim, cleared_source(investigation, cast["reporter"]), cast["reporter"])

    add_claims(2)
    few = queries()
    add_claims(18)
    assert queries() == few


# The event page and the source's dossier ---------------------------------------------------


def test_the_event_page_lists_interviews_sources_and_claims_that_touch_it(
    client, cast, investigation, claim
):
    event = make_event(investigation)
    source = cleared_source(investigation, cast["reporter"])
    make_interview(investigation, cast["reporter"], sources=[source], events=[event])
    claim.events.add(event)
    client.force_login(cast["reporter2"])

    page = client.get(f"/admin/events/event/{event.pk}/change/")

    assert page.status_code == 200
    text = page.content.decode()
    assert source.codename in text and claim.text in text and "What touches this event" in text


def test_the_dossier_is_for_the_handler_and_editors_and_never_holds_the_identity(
    client, cast, investigation, claim
):
    source = cleared_source(investigation, cast["reporter"], real_name=SECRET)
    said(claim, source, cast["reporter"], quote="We were there.")
    for role, shown in [("reporter", True), ("editor", True), ("reporter2", False)]:
        client.force_login(cast[role])
        page = client.get(source.get_absolute_url())
        assert page.status_code == 200
        text = page.content.decode()
        assert source.codename in text  # control: the page is the source's
        assert ("Dossier of" in text) is shown, role
        assert SECRET not in text
    client.force_login(cast["reporter"])
    text = client.get(source.get_absolute_url()).content.decode()
    assert claim.text in text and "We were there." in text


def test_the_dossier_costs_the_same_queries_with_one_claim_and_with_ten(
    client, cast, investigation
):
    source = cleared_source(investigation, cast["reporter"])
    interview = make_interview(investigation, cast["reporter"], sources=[source])

    def queries():
        client.force_login(cast["editor"])
        client.get("/admin/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(source.get_absolute_url()).status_code == 200
        return len(captured)

    def add(count):
        for number in range(count):
            claim = Claim.objects.create(investigation=investigation, text=f"Claim {number}")
            Evidence.objects.create(
                claim=claim, interview=interview, source=source, knowledge="took_part"
            )

    add(1)
    few = queries()
    add(9)
    assert queries() == few


# The fact-check sheet ------------------------------------------------------------------------


def test_the_fact_check_sheet_has_a_row_per_evidence_and_no_identity(
    cast, investigation, claim, tmp_path
):
    source = cleared_source(investigation, cast["reporter"], real_name=SECRET)
    said(claim, source, cast["reporter"], quote="We were there at night.")
    document = Document.objects.create(
        investigation=investigation, title="Coalition statement", date=datetime.date(2019, 3, 1),
        date_precision="month",
    )  # fmt: skip
    Evidence.objects.create(claim=claim, document=document, stance="contradicts")
    output = tmp_path / "factcheck.csv"

    call_command(
        "export_factcheck", "--investigation", investigation.slug, "--format", "csv",
        "--output", str(output), "--user", "editor", stdout=io.StringIO(),
    )  # fmt: skip

    rows = list(csv.DictReader(output.open(encoding="utf-8")))
    assert [(row["stance"], row["cited"]) for row in rows] == [
        ("Contradicts", "Coalition statement (Mar 2019)"),
        ("Supports", f"{source.codename}, interview of {rows[1]['date']}"),
    ]
    assert rows[1]["how_they_know"] == "Took part" and rows[1]["independent_sources"] == "1"
    assert SECRET not in output.read_text()
    assert FactcheckExport.objects.get().status == "done"


def test_the_fact_check_sheet_goes_through_the_leak_scan(client, cast, investigation, claim):
    source = cleared_source(investigation, cast["reporter"], real_name=SECRET)
    said(claim, source, cast["reporter"], quote=f"{SECRET} told us so.")
    client.force_login(cast["editor"])

    response = client.get(f"/story/{investigation.slug}/factcheck.csv")

    assert response.status_code == 409
    assert source.codename in response.content.decode()
    assert SECRET not in response.content.decode()
    assert FactcheckExport.objects.get().status == "refused"
    with pytest.raises(CommandError, match="Refused"):
        call_command(
            "export_factcheck", "--investigation", investigation.slug, "--format", "xlsx",
            "--output", "/nonexistent/x.xlsx", "--user", "editor", stderr=io.StringIO(),
        )  # fmt: skip


def test_only_editors_write_the_fact_check_sheet(client, cast, investigation, claim):
    client.force_login(cast["reporter"])
    assert client.get(f"/story/{investigation.slug}/factcheck.csv").status_code == 403
    client.force_login(cast["editor"])
    assert client.get(f"/story/{investigation.slug}/factcheck.csv").status_code == 200
