"""The search box in the header, in a real browser on a phone (390x844) and a laptop (1366x768):
a reporter types one word, in English or Arabic spelling, and lands on the interview they
remembered; from the admin and from the map alike, within the screen and passing axe-core."""

import re

import pytest
from playwright.sync_api import expect

from investigation.search import index_rebuild
from tests.factories import make_event, make_interview, make_location
from tests.viewports import accessibility_problems, sideways_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def remembered(investigation, cast):
    """The interview a reporter remembers as "the one in Hawija about the convoy"."""
    place = make_location(
        investigation, name="Hawija", admin2="Hawija", aliases="Huwija\nHawijah\nالحويجة"
    )
    make_event(investigation, title="Badr Organization blocks a joint convoy", location=place)
    interview = make_interview(
        investigation,
        cast["reporter"],
        location=place,
        summary="Says a checkpoint stopped the joint convoy although the mission was cleared.",
    )
    index_rebuild()
    return interview


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_a_reporter_types_one_word_in_the_header_and_lands_on_the_interview(
    page, log_in, sized, cast, remembered, size
):
    sized_page = sized(log_in(cast["reporter"]), size, axe=True)
    sized_page.goto("/admin/")
    box = sized_page.get_by_role("searchbox", name="Search Fieldbook")
    expect(box).to_be_visible()
    assert sideways_overflow(sized_page) == 0

    box.fill("الحويجة")
    box.press("Enter")

    expect(sized_page).to_have_url(re.compile(r"/search/\?q="))
    interviews = sized_page.locator("#found-interview")
    expect(interviews.locator("a", has_text="Interview with")).to_have_count(1)
    expect(sized_page.locator(".fb-search-snippet[dir=auto]").first).to_be_visible()
    assert sideways_overflow(sized_page) == 0
    assert accessibility_problems(sized_page) == []

    interviews.locator("a", has_text="Interview with").click()
    expect(sized_page).to_have_url(re.compile(rf"/admin/sources/interview/{remembered.pk}/change/"))


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_map_header_searches_too_and_marks_the_words_found(
    page, log_in, sized, cast, remembered, size
):
    sized_page = sized(log_in(cast["reporter"]), size)
    sized_page.goto("/map/")
    box = sized_page.get_by_role("searchbox", name="Search Fieldbook")
    expect(box).to_be_visible()
    assert sideways_overflow(sized_page) == 0

    box.fill("convoys")
    sized_page.get_by_role("button", name="Search", exact=True).click()

    expect(sized_page).to_have_url(re.compile(r"/search/\?q=convoys"))
    expect(sized_page.locator("#found-interview mark", has_text="convoy")).to_be_visible()
    expect(sized_page.locator("#found-event a")).to_have_text(
        "Badr Organization blocks a joint convoy"
    )
    assert sideways_overflow(sized_page) == 0
