"""The reveal, notes and hand-over pages look like the admin's own forms: its stylesheet, its
rows (label beside the box, help under it), and text typed in any script."""

import time

from tests.factories import make_interview, make_source


def fresh_login(client, user):
    client.force_login(user)
    session = client.session
    session["authenticated_at"] = int(time.time())
    session.save()


def test_the_reveal_notes_and_hand_over_pages_lay_out_their_forms_as_the_admin_does(
    client, cast, investigation
):
    source = make_source(investigation, cast["reporter"])
    interview = make_interview(investigation, cast["reporter"], sources=[source])
    fresh_login(client, cast["editor"])
    for url in (
        f"/admin/sources/source/{source.pk}/identity/",
        f"/admin/sources/interview/{interview.pk}/notes/",
        f"/admin/sources/source/{source.pk}/hand-over/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert "admin/css/forms.css" in page, url
        assert '<div class="form-row field-reason">' in page, url
        assert '<div class="help" id="id_reason_helptext">' in page, url
        assert 'dir="auto"' in page, url


def test_a_revealed_identity_is_shown_in_the_admins_rows(client, cast, investigation):
    source = make_source(investigation, cast["reporter"], real_name="Canary Person")
    fresh_login(client, cast["reporter"])
    response = client.post(
        f"/admin/sources/source/{source.pk}/identity/",
        {"reveal": "1", "reason": "Checking the spelling before the trip."},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="identity-real-name"' in page and "Canary Person" in page
    assert '<div class="form-row field-real_name">' in page  # the change form below it
