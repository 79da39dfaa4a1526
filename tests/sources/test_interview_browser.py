"""A reporter's day in the browser: log an interview with a new source, linked to an event."""

import time

import pytest
from playwright.sync_api import expect

from investigation import search
from sources.models import IdentityAccess, Interview, Source
from tests.factories import make_event, make_source

pytestmark = pytest.mark.browser


def choose_in_autocomplete(page, select_id, text):
    """Pick `text` in a Django admin autocomplete (select2) widget."""
    page.locator(f"#{select_id} + .select2").click()
    page.locator(".select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_a_reporter_logs_an_interview_with_a_new_source_and_links_it_to_an_event(
    page, log_in, cast, investigation
):
    event = make_event(investigation, title="Night raid on farm sheds")
    search.index_sweep()  # as the beat does for rows written outside the admin, as this one is
    log_in(cast["reporter"])
    page.goto("/admin/sources/interview/add/")
    page.get_by_label("Mode").select_option("phone")
    page.get_by_label("Language").fill("Arabic")
    page.get_by_label("Summary").fill("Described the night raid and who came along.")

    with page.expect_popup() as popup_info:
        page.locator("#add_id_interviewsource_set-0-source").click()
    popup = popup_info.value
    popup.get_by_label("Description").fill("farmer, Hawija district")
    popup.get_by_label("Category").select_option("civilian")
    popup.get_by_label("Protection level").select_option("anonymous")
    popup.get_by_label("Real name").fill("Browser Canary Person")
    popup.get_by_role("button", name="Save", exact=True).click()
    popup.wait_for_event("close")

    source = Source.objects.get(description="farmer, Hawija district")
    expect(page.locator("#id_interviewsource_set-0-source")).to_have_value(str(source.pk))

    page.locator("#interviewevent_set-group .add-row a").click()
    choose_in_autocomplete(page, "id_interviewevent_set-0-event", "Night raid")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")

    interview = Interview.objects.get()
    assert list(interview.sources.all()) == [source]
    assert list(interview.events.all()) == [event]
    assert interview.interviewer == cast["reporter"]
    assert source.handler == cast["reporter"]
    assert source.real_name.reveal() == "Browser Canary Person"
    expect(page.locator("#result_list")).to_contain_text(source.codename)
    expect(page.locator("body")).not_to_contain_text("Browser Canary Person")


def test_a_handler_reveals_an_identity_with_a_reason_in_the_browser(
    page, log_in, cast, investigation
):
    source = make_source(investigation, cast["reporter"], real_name="Revealed Canary")
    log_in(cast["reporter"])
    assert page.goto(f"/admin/sources/source/{source.pk}/change/").status == 200
    expect(page.locator("body")).to_contain_text(source.codename)
    expect(page.locator("body")).not_to_contain_text("Revealed Canary")
    page.get_by_role("link", name="Reveal identity…").click()
    page.get_by_role("button", name="Reveal identity").click()  # no reason given
    assert page.get_by_label("Reason").evaluate("field => field.validity.valueMissing")
    expect(page.locator("#identity-real-name")).to_have_count(0)
    page.get_by_label("Reason").fill("Preparing the legal review of the raid chapter.")
    page.get_by_role("button", name="Reveal identity").click()
    expect(page.locator("#identity-real-name")).to_have_text("Revealed Canary")
    access = IdentityAccess.objects.get()
    assert (access.user, access.source) == (cast["reporter"], source)


def test_an_old_login_is_asked_for_the_password_before_a_reveal(page, log_in, cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="Guarded Canary")
    log_in(cast["reporter"])
    age_login(page, minutes=20)
    page.goto(f"/admin/sources/source/{source.pk}/identity/")
    page.get_by_label("Reason").fill("Checking the contact before the trip.")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Reveal identity").click()
    expect(page.locator(".errorlist")).to_contain_text("That is not your password")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Reveal identity").click()
    expect(page.locator("#identity-real-name")).to_have_text("Guarded Canary")


def age_login(page, *, minutes):
    """Make the browser's session look `minutes` old (as if the login were that long ago)."""
    from django.contrib.sessions.backends.db import SessionStore

    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session["authenticated_at"] = int(time.time() - minutes * 60)
    session.save()
