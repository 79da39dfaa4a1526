"""Need to know: identities are seen only through a reasoned, logged reveal."""

import time

import pytest
from django.core import mail

from sources.identity import REVEAL_BURST_LIMIT, identity_reveal
from sources.models import IdentityAccess, Source
from tests.factories import make_source

REASON = "Checking the spelling before the legal review."


def log_in(client, user, *, minutes_ago=1):
    client.force_login(user)
    session = client.session
    session["authenticated_at"] = int(time.time() - minutes_ago * 60)
    session.save()


def identity_url(source):
    return f"/admin/sources/source/{source.pk}/identity/"


def reveal(client, source, reason=REASON, **extra):
    return client.post(identity_url(source), {"reveal": "1", "reason": reason, **extra})


@pytest.fixture
def source(cast, investigation):
    return make_source(
        investigation, cast["reporter"], real_name="Canary Hassan", contact="+964 770 555 0199"
    )


@pytest.mark.parametrize("role", ["reporter", "editor", "admin"])
def test_the_handler_and_editors_can_reveal_an_identity_with_a_reason(client, cast, source, role):
    log_in(client, cast[role])
    response = reveal(client, source)
    assert response.status_code == 200
    assert "Canary Hassan" in response.content.decode()
    access = IdentityAccess.objects.get()
    assert (access.user, access.source, access.action) == (cast[role], source, "reveal")
    assert access.reason == REASON


def test_a_revealed_identity_is_never_cached(client, cast, source):
    log_in(client, cast["reporter"])
    response = reveal(client, source)
    assert "no-store" in response["Cache-Control"]


def test_a_reveal_without_a_reason_shows_nothing_and_logs_nothing(client, cast, source):
    log_in(client, cast["reporter"])
    response = reveal(client, source, reason="")
    assert response.status_code == 200
    assert "Canary Hassan" not in response.content.decode()
    assert "This field is required" in response.content.decode()
    assert not IdentityAccess.objects.exists()


def test_the_reveal_page_shows_no_identity_before_the_reason_is_given(client, cast, source):
    log_in(client, cast["reporter"])
    response = client.get(identity_url(source))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Canary Hassan" not in page
    assert 'name="reason"' in page


@pytest.mark.parametrize(("role", "status"), [("reporter2", 403), ("outsider", 404)])
def test_people_without_need_to_know_cannot_reach_the_reveal(client, cast, source, role, status):
    log_in(client, cast[role])
    assert client.get(identity_url(source)).status_code == status
    assert reveal(client, source).status_code == status
    assert not IdentityAccess.objects.exists()


def test_an_old_login_must_give_the_password_again(client, cast, source):
    log_in(client, cast["reporter"], minutes_ago=16)
    assert 'name="password"' in client.get(identity_url(source)).content.decode()
    refused = reveal(client, source, password="wrong password")
    assert refused.status_code == 200
    assert "Canary Hassan" not in refused.content.decode()
    assert "That is not your password" in refused.content.decode()
    accepted = reveal(client, source, password="correct horse battery staple")
    assert "Canary Hassan" in accepted.content.decode()
    assert IdentityAccess.objects.count() == 1


def test_a_fresh_login_is_not_asked_for_the_password(client, cast, source):
    log_in(client, cast["reporter"], minutes_ago=14)
    response = client.get(identity_url(source))
    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    assert 'name="password"' not in response.content.decode()


def test_changing_an_identity_is_logged_and_sends_the_source_back_to_review(client, cast, source):
    source.review_status = Source.ReviewStatus.CLEARED
    source.save()
    log_in(client, cast["reporter"])
    response = client.post(
        identity_url(source),
        {
            "change": "1",
            "real_name": "Canary Hassan Corrected",
            "contact": "",
            "identifying_notes": "",
            "change_reason": "The name was misspelt in my notes.",
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.real_name.reveal() == "Canary Hassan Corrected"
    assert source.review_status == Source.ReviewStatus.PENDING
    assert IdentityAccess.objects.get().action == "edit"


def test_editors_read_the_access_log_on_the_source_page(client, cast, source):
    identity_reveal(source=source, user=cast["reporter"], reason=REASON)
    log_in(client, cast["editor"])
    page = client.get(f"/admin/sources/source/{source.pk}/change/").content.decode()
    assert "Identity access log" in page and REASON in page


def test_reporters_do_not_read_the_access_log(client, cast, source):
    identity_reveal(source=source, user=cast["reporter"], reason=REASON)
    log_in(client, cast["reporter"])
    response = client.get(f"/admin/sources/source/{source.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert source.codename in page
    assert "Identity access log" not in page
    assert client.get("/admin/sources/identityaccess/").status_code == 403


def test_nobody_can_add_change_or_delete_access_log_rows_in_the_app(client, cast, source):
    identity_reveal(source=source, user=cast["reporter"], reason=REASON)
    access = IdentityAccess.objects.get()
    log_in(client, cast["admin"])
    assert client.get("/admin/sources/identityaccess/").status_code == 200
    assert client.get("/admin/sources/identityaccess/add/").status_code == 403
    url = f"/admin/sources/identityaccess/{access.pk}"
    assert client.post(f"{url}/change/", {"reason": "rewritten"}).status_code == 403
    assert client.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    access.refresh_from_db()
    assert access.reason == REASON


def test_the_access_log_list_is_compartmented(client, cast, source, other_investigation):
    theirs = make_source(other_investigation, cast["outsider"])
    identity_reveal(source=theirs, user=cast["outsider"], reason=REASON)
    identity_reveal(source=source, user=cast["reporter"], reason=REASON)
    log_in(client, cast["editor"])
    response = client.get("/admin/sources/identityaccess/")
    assert response.status_code == 200
    page = response.content.decode()
    assert source.codename in page
    assert theirs.codename not in page


def test_editors_are_told_when_one_person_reveals_more_than_five_identities_a_day(
    cast, investigation, django_capture_on_commit_callbacks
):
    cast["editor"].email = "editor@example.org"
    cast["editor"].save()
    sources = [make_source(investigation, cast["reporter"]) for _ in range(REVEAL_BURST_LIMIT + 2)]
    with django_capture_on_commit_callbacks(execute=True):
        for source in sources[:REVEAL_BURST_LIMIT]:
            identity_reveal(source=source, user=cast["reporter"], reason=REASON)
        identity_reveal(source=sources[0], user=cast["reporter"], reason=REASON)  # a repeat
    assert not mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        identity_reveal(source=sources[REVEAL_BURST_LIMIT], user=cast["reporter"], reason=REASON)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["editor@example.org"]
    assert "reporter revealed the identities of 6 sources" in message.body
    assert sources[0].codename in message.body
    with django_capture_on_commit_callbacks(execute=True):
        identity_reveal(source=sources[-1], user=cast["reporter"], reason=REASON)
    assert len(mail.outbox) == 1  # one alert per crossing, not one per reveal


def test_the_burst_alert_names_no_identity(cast, investigation, django_capture_on_commit_callbacks):
    cast["editor"].email = "editor@example.org"
    cast["editor"].save()
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(REVEAL_BURST_LIMIT + 1):
            source = make_source(
                investigation, cast["reporter"], real_name=f"Burst Canary {number}"
            )
            identity_reveal(source=source, user=cast["reporter"], reason=REASON)
    [message] = mail.outbox
    assert source.codename in message.body  # positive control: the alert names the sources
    assert "Burst Canary" not in message.body + message.subject


def test_a_wrong_key_fails_closed_with_a_clear_page_and_no_log(client, cast, source, settings):
    import os

    settings.FIELD_ENCRYPTION_KEYS = [os.urandom(32)]
    log_in(client, cast["reporter"])
    response = reveal(client, source)
    assert response.status_code == 503
    page = response.content.decode()
    assert "cannot read source identities" in page
    assert "fb1:" not in page and "Canary Hassan" not in page
    assert not IdentityAccess.objects.exists()


def test_an_access_log_row_shows_its_plain_history_page(client, cast, source):
    identity_reveal(source=source, user=cast["reporter"], reason=REASON)
    access = IdentityAccess.objects.get()
    log_in(client, cast["editor"])
    assert client.get(f"/admin/sources/identityaccess/{access.pk}/history/").status_code == 200
    log_in(client, cast["outsider"])
    assert client.get(f"/admin/sources/identityaccess/{access.pk}/history/").status_code == 404
