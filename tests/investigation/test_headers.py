"""Headers every page carries: a Content-Security-Policy that allows scripts, styles and data
only from Fieldbook itself (and map tiles from the configured tile server), and no filter on an
encrypted column that could answer questions about an identity."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_event, make_interview, make_source
from tests.investigation.test_settings import manage

PAGES = [
    "/admin/",
    "/admin/events/event/",
    "/admin/sources/source/",
    "/admin/sources/source/add/",
    "/map/",
    "/map/events.geojson",
    "/timeline/",
    "/admin/no-such-page/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_carries_a_policy_without_inline_script_or_style(client, cast, url):
    client.force_login(cast["reporter"])
    response = client.get(url)
    assert response.status_code in (200, 404)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_the_login_page_carries_the_policy_too(client):
    assert "script-src 'self'" in client.get("/admin/login/")["Content-Security-Policy"]


def test_map_tiles_may_come_from_the_configured_tile_server():
    shown = manage(
        "shell", "-c",
        "from django.conf import settings; "
        "print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])",
        DEBUG="true", LEAFLET_TILES_URL="https://tiles.newsroom.internal/{z}/{x}/{y}.png",
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "https://tiles.newsroom.internal" in shown.stdout
    assert "openstreetmap" not in shown.stdout


def test_the_browser_refuses_an_inline_script_on_a_fieldbook_page(browser, live_server, cast):
    """The policy as the browser applies it: an inline script injected into a page does not
    run, and the page reports the refusal (what the page fixture fails tests on)."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    refusals = []
    page.on("console", lambda message: refusals.append(message.text))
    page.goto("/admin/login/")
    expect(page.get_by_label("Username")).to_be_visible()  # the page itself works

    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.appendChild(s); }"
    )

    assert page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in text for text in refusals)
    context.close()


# No oracle on encrypted columns -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/admin/sources/source/?real_name__regex=^.{5,}$",
        "/admin/sources/source/?contact__isnull=True",
        "/admin/sources/interview/?sources__real_name__startswith=fb1",
        "/admin/sources/interview/?sensitive_notes=",
        "/admin/investigation/followup/?source__identifying_notes__gt=a",
    ],
)
def test_a_list_filtered_on_an_encrypted_column_is_refused(client, cast, investigation, url):
    source = make_source(investigation, cast["reporter"])
    make_interview(investigation, cast["reporter"], sources=[source])
    client.force_login(cast["editor"])
    assert client.get("/admin/sources/source/?protection_level=confidential").status_code == 200

    response = client.get(url)

    assert response.status_code == 400


def test_a_filter_on_an_ordinary_column_still_works(client, cast, investigation):
    make_event(investigation, title="Night raid")
    client.force_login(cast["reporter"])
    response = client.get("/admin/events/event/?title__icontains=night")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
