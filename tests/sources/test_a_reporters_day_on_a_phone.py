"""Issue 19's "done when": on a phone (390x844), a reporter logs a month-precision event, an
interview with a new source about it, and a follow-up, without sideways scrolling or a date
error. Screenshots of the phone's pages are kept in var/test-artifacts/ when it fails."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from events.models import Event
from investigation.models import FollowUp
from sources.models import Interview, Source
from tests.factories import make_source
from tests.viewports import sideways_overflow

pytestmark = pytest.mark.browser


def fits(phone):
    """The phone's page, after checking it does not scroll sideways."""
    assert sideways_overflow(phone) == 0, phone.url
    return phone


def saved(phone):
    expect(phone.locator(".messagelist .success")).to_contain_text("was added successfully")
    return fits(phone)


def test_a_reporter_logs_an_event_an_interview_with_a_new_source_and_a_follow_up_on_a_phone(
    page, log_in, sized, cast, investigation
):
    make_source(
        investigation, cast["reporter2"], codename="Slate Wren 97"
    )  # "intelligence officer, Hawija"
    phone = sized(log_in(cast["reporter"]), "phone")

    # A raid known to the month, picked by month and year.
    fits(phone).goto("/admin/events/event/add/")
    phone.get_by_label("Kind").select_option("raid")
    phone.get_by_label("Title").fill("Night raid on the farm sheds")
    phone.get_by_role("button", name=re.compile("^Pick when")).click()
    picker = phone.locator(".field-when .fieldbook-date-picker")
    picker.get_by_label("Year", exact=True).select_option("2019")
    picker.get_by_label("Month", exact=True).select_option(label="Jan")
    expect(phone.locator("#id_when")).to_have_value("Jan 2019")
    fits(phone).get_by_role("button", name="Save", exact=True).click()
    saved(phone)

    # The interview, with a new source added from it (noting the codename it shows).
    phone.goto("/admin/sources/interview/add/")
    phone.get_by_label("Mode").select_option("phone")
    phone.get_by_label("Summary").fill("Described the night raid and who came along.")
    with phone.expect_popup() as opened:
        phone.locator("#add_id_interviewsource_set-0-source").click()
    popup = opened.value
    popup.wait_for_load_state()
    popup.get_by_label("Description").fill("intelligence officer in Hawija")
    expect(popup.locator("#similar-sources")).to_contain_text(
        "Slate Wren 97 has a similar description: intelligence officer, Hawija"
    )
    popup.get_by_label("Description").fill("farmer, Hawija district")
    expect(popup.locator("#similar-sources")).to_be_empty()
    noted = popup.locator(".field-codename .readonly").inner_text().strip()
    popup.get_by_role("button", name="Save", exact=True).click()
    popup.wait_for_event("close")
    phone.locator("#interviewevent_set-group .add-row a").click()
    phone.locator("#id_interviewevent_set-0-event + .select2").click()
    phone.locator(".select2-search__field").fill("Night raid")
    phone.locator(".select2-results__option", has_text="Night raid").first.click()
    fits(phone).get_by_role("button", name="Save and continue editing").click()
    saved(phone)

    # A follow-up started from the interview, due on a day typed year first.
    phone.get_by_role("link", name="Add follow-up").click()
    phone.get_by_label("What").fill(f"Call {noted} back about the convoy")
    phone.locator("#id_due_at_0").fill("2027-01-14")
    phone.locator("#id_due_at_1").fill("09:30")
    fits(phone).get_by_role("button", name="Save", exact=True).click()
    saved(phone)

    event = Event.objects.get(title="Night raid on the farm sheds")
    assert (event.date, event.date_precision) == (datetime.date(2019, 1, 1), "month")
    source = Source.objects.get(description="farmer, Hawija district")
    assert source.codename == noted  # the name shown on the form is the name saved
    interview = Interview.objects.get()
    assert list(interview.sources.all()) == [source]
    assert list(interview.events.all()) == [event]
    follow_up = FollowUp.objects.get()
    assert (follow_up.interview, follow_up.assignee) == (interview, cast["reporter"])
    assert follow_up.title == f"Call {noted} back about the convoy"
