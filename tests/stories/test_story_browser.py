"""The story overview in a real browser: the chart drawn by the vendored Chart.js, at a
laptop's size and a phone's, within the Content-Security-Policy."""

import datetime

import pytest
from playwright.sync_api import expect

from events.models import Event
from stories.models import Claim
from tests.factories import make_event, make_location

SIZES = {"laptop": (1366, 768), "phone": (390, 844)}


@pytest.fixture
def story(investigation, cast):
    village = make_location(investigation, name="Village", admin2="Hawija")
    for month in (1, 2, 3):
        make_event(investigation, location=village, kind=Event.Kind.RAID, highlighted=True,
                   date=datetime.date(2019, month, 1), date_precision="month")  # fmt: skip
        make_event(investigation, location=village, kind=Event.Kind.ATTACK,
                   origin=Event.Origin.ACLED, date=datetime.date(2019, month + 3, 10))  # fmt: skip
    make_event(investigation, location=village, kind=Event.Kind.STRATEGIC,
               title="Coalition leaves the base", date=datetime.date(2019, 5, 1))  # fmt: skip
    Claim.objects.create(investigation=investigation, text="Raids fell as attacks rose.")
    return investigation


@pytest.mark.parametrize("size", SIZES)
def test_the_story_overview_draws_its_chart_at_each_size(page, log_in, cast, story, size):
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    log_in(cast["reporter"])

    page.goto(f"/story/{story.slug}/")

    expect(page.locator("#story-chart")).to_have_attribute("data-drawn", "2")
    expect(page.get_by_text("Raids fell as attacks rose.")).to_be_visible()
    box = page.locator("#story-chart").bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
