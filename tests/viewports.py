"""Pages at the sizes people use them (a 390x844 phone, a 1366x768 laptop), for browser tests:
a logged-in browser context of that size, whether a page scrolls sideways, where an element
is, and the accessibility problems axe-core finds (tests/vendor/axe-core, never served).

A context made here is held to the same rules as the harness's `page` (tests/harness.py): it
reaches nothing outside the live server, and a test whose page broke the
Content-Security-Policy fails. A failed test leaves a screenshot of each sized page in
var/test-artifacts/.
"""

from pathlib import Path

import pytest

from tests.harness import failed, note_csp_violation, save_screenshot, stay_on

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture
def sized(request, browser, live_server):
    """sized(logged_in, "phone" or "laptop", axe=False): a new page of that size, logged in
    like `logged_in` (a page whose context is logged in: the harness's `page` after log_in).

    With axe=True, axe-core is added to every document as an init script: Playwright runs
    init scripts itself, outside the page's Content-Security-Policy, so the policy stays on
    and enforced (a <script> tag added to the page would be an inline script it refuses)."""
    opened = []

    def open_page(logged_in, size, *, axe=False):
        width, height = SIZES[size]
        context = browser.new_context(
            base_url=live_server.url,
            service_workers="block",
            viewport={"width": width, "height": height},
            storage_state=logged_in.context.storage_state(),
        )
        context.route("**/*", lambda route: stay_on(live_server.url, route, []))
        if axe:
            context.add_init_script(path=str(AXE))
        page = context.new_page()
        violations = []
        page.on("console", lambda message: note_csp_violation(message, violations))
        opened.append((size, page, violations))
        return page

    yield open_page
    for size, page, _ in opened:
        if failed(request.node):
            save_screenshot(page, SizedItem(request.node, size))
        page.context.close()
    refused = [violation for *_, violations in opened for violation in violations]
    if refused:
        pytest.fail("A page broke its Content-Security-Policy:\n" + "\n".join(refused))


class SizedItem:
    """A test item whose screenshot is named for the size (and page) too: save_screenshot
    names files after nodeid."""

    def __init__(self, item, size):
        self.nodeid = f"{item.nodeid}-{size}"


def screenshot_of_a_problem(request, page, size):
    """Keep a screenshot of the page as it is now, named for the test, the size and the page,
    for a test that goes on to check other pages before it fails."""
    save_screenshot(page, SizedItem(request.node, f"{size}-{page.url.split('/', 3)[-1]}"))


def sideways_overflow(page):
    """How many pixels the page is wider than the window (0: no sideways scrolling), once the
    page has loaded and laid itself out: measured mid-load, a phone's window is still the
    980 px a page without its viewport tag gets."""
    page.wait_for_load_state("load")
    return page.evaluate(
        """() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(
            () => done(document.documentElement.scrollWidth - window.innerWidth))))"""
    )


def box(page, selector):
    """The first matching element's box in the window (x, y, width, height, right)."""
    return page.evaluate(
        """selector => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height, right: r.right};
        }""",
        selector,
    )


def accessibility_problems(page):
    """What axe-core finds of serious or critical impact on the page as it is now:
    ["rule: help (where, ...)", ...]."""
    # preload: false, because axe's preload copies the page's stylesheets into <style>
    # elements, which the Content-Security-Policy rightly refuses. Only the rule that needs
    # them, css-orientation-lock, goes unchecked (Fieldbook never locks the orientation).
    options = "{resultTypes: ['violations'], preload: false}"
    results = page.evaluate(f"axe.run(document, {options})")
    return [
        f"{found['id']}: {found['help']} ({', '.join(str(n['target']) for n in found['nodes'])})"
        for found in results["violations"]
        if found["impact"] in SERIOUS
    ]
