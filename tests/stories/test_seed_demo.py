"""`manage.py seed_demo`: the demo investigation, its people, and running it twice."""

import datetime
import io

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from events.models import DatePrecision, Event
from investigation.models import FollowUp, Investigation, Membership
from sources.models import Interview, Source
from stories import demo

TEST_PASSWORD = "demo password for the tests"


@pytest.fixture(autouse=True)
def demo_settings(db, settings, monkeypatch, tmp_path):
    settings.DEBUG = True
    settings.VAR_DIR = tmp_path / "var"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    monkeypatch.setenv("DEMO_PASSWORD", TEST_PASSWORD)
    return settings


def seed(**options):
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot():
    """Every row of every model: any insert, update or delete shows as a difference."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for model in apps.get_models()
    }


def kirkuk():
    return Investigation.objects.get(slug=demo.MAIN_SLUG)


def hawija_count(kinds, start, end):
    return Event.objects.filter(
        investigation=kirkuk(), location__admin2="Hawija", kind__in=kinds, date__range=(start, end)
    ).count()


def test_seed_demo_creates_the_kirkuk_investigation_with_the_four_demo_users_in_their_roles():
    seed()

    roles = dict(
        Membership.objects.filter(investigation=kirkuk()).values_list("user__username", "role")
    )
    assert roles == {
        "reporter": "reporter",
        "reporter2": "reporter",
        "editor": "editor",
        "admin": "admin",
    }
    for user in get_user_model().objects.filter(username__in=roles):
        assert user.is_staff and not user.is_superuser
        assert user.first_name == "Demo"
        assert user.check_password(TEST_PASSWORD)
    assert kirkuk().status == Investigation.Status.ACTIVE


def test_the_logins_are_printed_with_the_password():
    output = seed()

    for username in ("reporter", "reporter2", "editor", "admin", "outsider"):
        assert f"{username:<9} / {TEST_PASSWORD}" in output
    assert "/admin/" in output


def test_there_are_exactly_four_highlighted_raids_one_a_month_from_november_2018():
    seed()

    focus = Event.objects.filter(investigation=kirkuk(), highlighted=True).order_by("date")
    assert {(event.kind, event.date_precision) for event in focus} == {
        (Event.Kind.RAID, DatePrecision.MONTH)
    }
    assert [(event.date.year, event.date.month) for event in focus] == [
        (2018, 11),
        (2018, 12),
        (2019, 1),
        (2019, 2),
    ]


def test_every_interview_is_linked_to_its_sources_and_the_events_it_discusses():
    seed()

    interviews = Interview.objects.filter(investigation=kirkuk())
    assert interviews.count() >= 8
    for interview in interviews:
        codenames = [source.codename for source in interview.sources.all()]
        assert codenames, interview
        assert interview.events.exists(), interview
        assert any(codename in interview.summary for codename in codenames)


def test_interviews_are_placed_no_more_precisely_than_a_town():
    seed()

    for interview in Interview.objects.select_related("location"):
        assert not interview.location.name.startswith("Village"), interview


def test_there_are_follow_ups_both_overdue_and_due_soon():
    before = timezone.now()
    seed()

    follow_ups = FollowUp.objects.filter(investigation=kirkuk())
    assert follow_ups.count() >= 6
    assert follow_ups.overdue().count() >= 2
    assert follow_ups.open().filter(due_at__range=(before, before + datetime.timedelta(days=3)))
    assert {follow_up.assignee.username for follow_up in follow_ups} >= {"reporter", "reporter2"}


def test_the_editor_review_queue_has_pending_sources():
    seed()

    sources = Source.objects.filter(investigation=kirkuk())
    assert sources.awaiting_review().count() >= 2
    cleared = sources.filter(review_status=Source.ReviewStatus.CLEARED)
    assert cleared.exists()
    assert all(source.reviewed_by.username == "editor" for source in cleared)
    assert all(source.reviewed_at for source in cleared)
    assert sources.filter(review_status=Source.ReviewStatus.CHANGES_REQUESTED).count() == 1


def test_in_hawija_raids_fall_through_2019_while_attacks_rise():
    seed()

    raids, attacks = [Event.Kind.RAID], [Event.Kind.ATTACK, Event.Kind.IED]
    first_half = hawija_count(raids, datetime.date(2019, 1, 1), datetime.date(2019, 6, 30))
    second_half = hawija_count(raids, datetime.date(2019, 7, 1), datetime.date(2019, 12, 31))
    assert first_half > second_half
    early_2019 = hawija_count(attacks, datetime.date(2019, 1, 1), datetime.date(2019, 3, 31))
    early_2020 = hawija_count(attacks, datetime.date(2020, 1, 1), datetime.date(2020, 3, 31))
    assert early_2020 > early_2019


def test_no_real_name_appears_in_descriptions_summaries_or_follow_up_titles():
    seed()

    texts = [
        *Source.objects.values_list("description", flat=True),
        *Interview.objects.values_list("summary", flat=True),
        *FollowUp.objects.values_list("title", flat=True),
    ]
    names = [source.real_name.reveal() for source in Source.objects.all() if source.real_name]
    assert names
    assert not [(name, text) for name in names for text in texts if name in text]


def test_the_kirkuk_demo_users_see_nothing_of_the_other_desk():
    output = seed()

    assert demo.OTHER_SLUG in output
    User = get_user_model()
    for username in ("reporter", "reporter2", "editor", "admin"):
        user = User.objects.get(username=username)
        visible = Investigation.objects.visible_to(user).values_list("slug", flat=True)
        assert list(visible) == [demo.MAIN_SLUG]
        assert not Event.objects.visible_to(user).filter(investigation__slug=demo.OTHER_SLUG)
    outsider = User.objects.get(username="outsider")
    visible = Investigation.objects.visible_to(outsider).values_list("slug", flat=True)
    assert list(visible) == [demo.OTHER_SLUG]
    assert Source.objects.visible_to(outsider).exists()


def test_a_second_run_changes_nothing():
    seed()
    before = snapshot()

    output = seed()

    after = snapshot()
    assert {label: len(rows) for label, rows in after.items()} == {
        label: len(rows) for label, rows in before.items()
    }
    assert after == before
    assert "left unchanged" in output


def test_a_missing_desk_is_added_without_touching_what_exists(monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(demo, "DESKS", (demo.OTHER_DESK,))
        seed()
    before = snapshot()

    seed()

    after = snapshot()
    assert kirkuk().memberships.count() == 4
    assert after["auth.User"] == before["auth.User"]
    for label, rows in before.items():
        assert set(rows) <= set(after[label]), label


def test_a_failure_midway_leaves_nothing_behind(monkeypatch):
    def fail(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(demo, "_follow_up", fail)

    with pytest.raises(RuntimeError):
        seed()

    assert not Investigation.objects.exists()
    assert not get_user_model().objects.exists()


def test_seed_demo_refuses_to_run_with_debug_off(demo_settings):
    demo_settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert not Investigation.objects.exists()


def test_seed_demo_runs_with_debug_off_when_forced(demo_settings):
    demo_settings.DEBUG = False

    seed(force=True)

    assert Investigation.objects.filter(slug=demo.MAIN_SLUG).exists()


def test_a_generated_password_is_stored_with_mode_600_and_reused(demo_settings, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD")
    first_output = seed()

    path = demo_settings.VAR_DIR / demo.PASSWORD_FILE
    password = path.read_text().strip()
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(password) >= 16
    assert f"reporter  / {password}" in first_output
    assert get_user_model().objects.get(username="editor").check_password(password)

    second_output = seed()

    assert path.read_text().strip() == password
    assert f"admin     / {password}" in second_output


def test_a_fresh_database_gets_the_stored_password(demo_settings, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD")
    demo_settings.VAR_DIR.mkdir()
    (demo_settings.VAR_DIR / demo.PASSWORD_FILE).write_text("stored at an earlier run\n")

    seed()

    assert get_user_model().objects.get(username="admin").check_password("stored at an earlier run")
