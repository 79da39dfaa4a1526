import datetime

from django.utils import timezone

from tests.factories import make_follow_up, make_interview, make_source

DAY = datetime.timedelta(days=1)


def dashboard(client, user):
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_home_shows_my_overdue_and_due_follow_ups(client, cast, investigation):
    reporter = cast["reporter"]
    make_follow_up(
        investigation, reporter, title="Call back Amber Heron", due_at=timezone.now() - 2 * DAY
    )
    make_follow_up(
        investigation, reporter, title="Check the IG report", due_at=timezone.now() + DAY
    )
    make_follow_up(
        investigation, reporter, title="Far future task", due_at=timezone.now() + 30 * DAY
    )
    make_follow_up(investigation, cast["reporter2"], title="Someone else's task")
    page = dashboard(client, reporter)
    assert "Call back Amber Heron" in page and "overdue since" in page
    assert "Check the IG report" in page
    assert "Far future task" not in page
    assert "Someone else&#x27;s task" not in page and "Someone else's task" not in page


def test_done_follow_ups_leave_the_admin_home(client, cast, investigation):
    make_follow_up(investigation, cast["reporter"], title="Finished task", status="done")
    make_follow_up(investigation, cast["reporter"], title="Open task")
    page = dashboard(client, cast["reporter"])
    assert "Open task" in page
    assert "Finished task" not in page


def test_the_admin_home_lists_recent_interviews_by_codename(client, cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="Dashboard Canary")
    make_interview(investigation, cast["reporter"], sources=[source])
    page = dashboard(client, cast["reporter2"])
    assert source.codename in page
    assert "Dashboard Canary" not in page


def test_editors_see_sources_waiting_for_protection_review(client, cast, investigation):
    waiting = make_source(investigation, cast["reporter"], review_status="pending")
    cleared = make_source(investigation, cast["reporter"], review_status="cleared")
    page = dashboard(client, cast["editor"])
    assert "Sources waiting for protection review" in page
    assert waiting.codename in page
    assert cleared.codename not in page


def test_reporters_do_not_get_the_review_queue(client, cast, investigation):
    make_source(investigation, cast["reporter"], review_status="pending")
    assert "Sources waiting for protection review" not in dashboard(client, cast["reporter"])
    assert "Sources waiting for protection review" in dashboard(client, cast["editor"])


def test_the_admin_home_shows_nothing_from_another_investigation(
    client, cast, investigation, other_investigation
):
    theirs = make_source(other_investigation, cast["outsider"])
    make_interview(other_investigation, cast["outsider"], sources=[theirs])
    ours = make_source(investigation, cast["reporter"])
    make_interview(investigation, cast["reporter"], sources=[ours])
    page = dashboard(client, cast["editor"])
    assert ours.codename in page
    assert theirs.codename not in page
