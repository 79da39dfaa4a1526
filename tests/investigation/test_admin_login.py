import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_user

pytestmark = pytest.mark.browser


def test_the_admin_login_page_loads_without_reaching_the_outside_world(page, outside_requests):
    page.goto("/admin/login/")
    expect(page).to_have_title("Log in | Fieldbook")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert outside_requests == []


def test_a_staff_member_logs_in_and_sees_their_investigations(log_in, page, outside_requests):
    log_in(make_user("ranya", first_name="Ranya"))
    expect(page.locator("#content h1")).to_have_text("Your investigations")
    assert outside_requests == []


def test_a_wrong_password_is_refused_with_an_error(page):
    make_user("ranya")
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("ranya")
    page.get_by_label("Password").fill("not her password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".errornote")).to_contain_text("Please enter the correct username")
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect(page.locator("#logout-form")).to_have_count(0)
