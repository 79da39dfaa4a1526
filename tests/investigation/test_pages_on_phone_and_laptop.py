"""The pages a reporter works in, on a phone (390x844) and a laptop (1366x768), with the demo
investigation's real lengths of titles and names: no sideways scrolling, the map big enough
to use, the lists' decisive columns in sight, and nothing serious or critical for axe-core.

Failing pages leave a screenshot per size in var/test-artifacts/ (tests/viewports.py)."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from investigation.models import FollowUp, Investigation
from sources.models import Interview, Source
from tests.viewports import (
    accessibility_problems,
    box,
    screenshot_of_a_problem,
    sideways_overflow,
)

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demo password for the size tests"
SIZES = ["phone", "laptop"]


@pytest.fixture
def demo(db, settings, monkeypatch, tmp_path):
    """The Kirkuk raids as `make run` shows them (manage.py seed_demo)."""
    settings.DEBUG = True  # seed_demo refuses to run without it
    settings.VAR_DIR = tmp_path
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    call_command("seed_demo", stdout=io.StringIO())
    return Investigation.objects.get(slug="kirkuk-raids")


def demo_user(username):
    return get_user_model().objects.get(username=username)


def reporters_pages(reporter):
    """The pages of a reporter's day: (url, whether axe-core checks it)."""
    interview = Interview.objects.filter(interviewer=reporter).first()
    source = Source.objects.filter(handler=reporter).first()
    follow_up = FollowUp.objects.filter(assignee=reporter).first()
    event = interview.events.first()
    return [
        ("/admin/", True),
        ("/admin/sources/interview/add/", True),
        (f"/admin/sources/interview/{interview.pk}/change/", True),
        ("/admin/events/event/add/", False),
        (f"/admin/events/event/{event.pk}/change/", False),
        ("/admin/sources/source/add/", False),
        (f"/admin/sources/source/{source.pk}/change/", False),
        ("/admin/investigation/followup/add/", False),
        (f"/admin/investigation/followup/{follow_up.pk}/change/", False),
        ("/admin/investigation/followup/", False),
        ("/map/", True),
        ("/timeline/", True),
        (f"/admin/sources/source/{source.pk}/identity/", True),
    ]


def opened(sized_page, url):
    """`url` in `sized_page`, once its scripts have run (the map has drawn its events)."""
    response = sized_page.goto(url)
    assert response.status == 200, (url, response.status)
    if url == "/map/":
        expect(sized_page.locator("#map-filters")).to_have_attribute("data-state", "ready")
    return sized_page


@pytest.mark.parametrize("size", SIZES)
def test_a_reporters_pages_fit_the_screen_and_pass_axe_core(
    request, page, log_in, sized, demo, size
):
    reporter = demo_user("reporter")
    sized_page = sized(log_in(reporter, DEMO_PASSWORD), size, axe=True)
    problems, checked = [], 0
    for url, with_axe in reporters_pages(reporter):
        opened(sized_page, url)
        found = []
        if overflow := sideways_overflow(sized_page):
            found.append(f"{url}: {overflow} px wider than the {size}'s screen")
        if with_axe:
            found += [f"{url}: {problem}" for problem in accessibility_problems(sized_page)]
            checked += 1
        if found:
            screenshot_of_a_problem(request, sized_page, size)
        problems += found
    # The reveal page once revealed, too.
    sized_page.get_by_label("Reason").fill("Checking the phone number before the trip.")
    sized_page.get_by_role("button", name="Reveal identity").click()
    expect(sized_page.locator("#identity-real-name")).to_be_visible()
    problems += [f"revealed: {problem}" for problem in accessibility_problems(sized_page)]

    assert checked == 6
    assert problems == []


def test_the_map_is_big_on_a_phone_with_its_filters_folded_behind_a_button(
    page, log_in, sized, demo
):
    phone = opened(sized(log_in(demo_user("reporter"), DEMO_PASSWORD), "phone"), "/map/")
    investigation = phone.get_by_label("Investigation")
    expect(investigation).to_be_hidden()
    shown = box(phone, "#event-map")
    assert shown["width"] >= 350 and shown["height"] >= 300, shown
    assert shown["width"] >= phone.viewport_size["width"] - 1  # the full width

    phone.get_by_role("button", name="Filters").click()
    expect(investigation).to_be_visible()
    phone.get_by_label("Attack", exact=True).uncheck()
    phone.get_by_role("button", name="Hide filters").click()
    expect(investigation).to_be_hidden()
    expect(phone.locator("#map-status")).not_to_have_text("46 events on the map.")
    expect(phone.locator("#map-status")).to_have_text(
        f"{demo.events.exclude(kind='attack').count()} events on the map."
    )
    assert sideways_overflow(phone) == 0


def test_the_map_on_a_laptop_keeps_its_filters_beside_it(page, log_in, sized, demo):
    laptop = opened(sized(log_in(demo_user("reporter"), DEMO_PASSWORD), "laptop"), "/map/")
    expect(laptop.get_by_label("Investigation")).to_be_visible()
    expect(laptop.get_by_role("button", name="Filters")).to_be_hidden()
    shown = box(laptop, "#event-map")
    assert shown["width"] > 900 and shown["height"] > 600, shown


# Each list's decisive columns, and the column that shows the list is there at all.
DECISIVE_COLUMNS = {
    "/admin/events/event/": ["title", "highlighted", "publishable"],
    "/admin/sources/source/": ["codename", "last_contact_at"],
    "/admin/investigation/followup/": ["title", "due"],
}


def test_the_lists_keep_their_decisive_columns_in_sight_on_a_laptop(page, log_in, sized, demo):
    laptop = sized(log_in(demo_user("editor"), DEMO_PASSWORD), "laptop")
    hidden = []
    for url, columns in DECISIVE_COLUMNS.items():
        opened(laptop, url)
        assert sideways_overflow(laptop) == 0, url
        # The table's own box, which scrolls sideways when its columns do not fit.
        shown = box(laptop, "#changelist-form .results")
        for column in columns:
            header = box(laptop, f"#result_list th.column-{column}")
            if header["right"] > min(shown["right"], laptop.viewport_size["width"]):
                hidden.append(f"{url} {column}: ends at {header['right']:.0f} px")
        scrolls = laptop.evaluate(
            "() => { const r = document.querySelector('#changelist-form .results');"
            " return r.scrollWidth - r.clientWidth; }"
        )
        if scrolls > 0:
            hidden.append(f"{url}: the table scrolls sideways by {scrolls} px")
    assert hidden == []
