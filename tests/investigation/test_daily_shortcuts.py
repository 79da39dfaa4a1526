"""Small things that save a reporter's day: who am I logged in as (and as what), "Add
follow-up" from the record it is about, closing one's own follow-ups in bulk, a quiet
`make run` with SITE_URL following PORT."""

import base64
import os
import signal
import socket
import subprocess

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission

from investigation.models import FollowUp, Membership, Role
from tests.factories import (
    make_follow_up,
    make_interview,
    make_investigation,
    make_source,
    make_user,
)
from tests.harness import BASE_DIR
from tests.waiting import wait_for

FOLLOW_UPS = "/admin/investigation/followup/"


# Who am I ----------------------------------------------------------------------------------


def test_the_admin_header_names_the_person_and_their_role(client, cast):
    client.force_login(cast["editor"])
    response = client.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="fb-who" dir="auto">Editor · Editor, Raids in Kirkuk</span>' in page
    assert "Welcome," not in page


def test_the_map_header_lists_several_roles_compactly(client, cast, other_investigation):
    Membership.objects.create(
        investigation=other_investigation, user=cast["reporter"], role=Role.EDITOR
    )
    client.force_login(cast["reporter"])
    response = client.get("/timeline/")
    assert response.status_code == 200
    assert (
        "Reporter · Editor, Port smuggling · Reporter, Raids in Kirkuk" in response.content.decode()
    )


def test_many_investigations_are_counted_by_role(client, db):
    person = make_user("nadia", first_name="Nadia", last_name="Reporter")
    for number, role in enumerate([Role.REPORTER, Role.REPORTER, Role.EDITOR]):
        investigation = make_investigation(title=f"Desk {number}")
        Membership.objects.create(investigation=investigation, user=person, role=role)
    client.force_login(person)
    page = client.get("/admin/").content.decode()
    assert "Nadia Reporter · Reporter in 2, Editor in 1 investigations" in page


# "Add follow-up" from a source or an interview --------------------------------------------


def test_a_sources_and_an_interviews_pages_start_a_follow_up_about_them(
    client, cast, investigation
):
    source = make_source(investigation, cast["reporter"])
    interview = make_interview(investigation, cast["reporter"], sources=[source])
    client.force_login(cast["reporter"])
    for row, change in [
        (source, f"/admin/sources/source/{source.pk}/change/"),
        (interview, f"/admin/sources/interview/{interview.pk}/change/"),
    ]:
        page = client.get(change).content.decode()
        name = row._meta.model_name
        query = f"?investigation={investigation.pk}&{name}={row.pk}"
        assert f'href="{FOLLOW_UPS}add/{query.replace("&", "&amp;")}"' in page, name
        form = client.get(f"{FOLLOW_UPS}add/{query}")
        assert str(form.context["adminform"].form.initial[name]) == str(row.pk)


def test_no_follow_up_link_where_ones_role_may_not_add_follow_ups(client, cast, investigation):
    source = make_source(investigation, cast["reporter"])
    change = f"/admin/sources/source/{source.pk}/change/"
    client.force_login(cast["reporter"])
    assert 'id="add-follow-up"' in client.get(change).content.decode()
    reporters = Group.objects.get(name="Reporter")
    reporters.permissions.remove(Permission.objects.get(codename="add_followup"))

    page = client.get(change)

    assert page.status_code == 200
    assert "Reveal identity" in page.content.decode()
    assert 'id="add-follow-up"' not in page.content.decode()


# Close my follow-ups -----------------------------------------------------------------------


def test_anyone_closes_their_own_selected_follow_ups_and_only_theirs(client, cast, investigation):
    mine = make_follow_up(investigation, cast["reporter"], title="Call the farmer")
    also_mine = make_follow_up(investigation, cast["reporter"], title="Check the report")
    theirs = make_follow_up(investigation, cast["reporter2"], title="Their call")
    client.force_login(cast["reporter"])

    response = client.post(
        FOLLOW_UPS,
        {
            "action": "close_mine",
            ACTION_CHECKBOX_NAME: [mine.pk, also_mine.pk, theirs.pk],
            "index": 0,
        },
        follow=True,
    )

    page = response.content.decode()
    assert "2 of your follow-up(s) closed." in page
    assert "1 assigned to someone else left open." in page
    status = dict(FollowUp.objects.values_list("title", "status"))
    assert status == {"Call the farmer": "done", "Check the report": "done", "Their call": "open"}


# make run ------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_make_run_is_quiet_then_prints_the_url_and_the_logins_last(tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'run.sqlite3'}",
        "DEMO_PASSWORD": "a demo password for this test",
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nobody there: no worker started
    }
    environment.pop("SITE_URL", None)
    output = tmp_path / "run.out"
    with output.open("wb") as out:
        run = subprocess.Popen(
            ["scripts/run"], cwd=BASE_DIR, env=environment, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        assert wait_for(lambda: "Ctrl-C stops" in output.read_text(), timeout=120), (
            output.read_text()
        )
        printed = output.read_text()
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=30)

    assert "Applying " not in printed and "AXES: BEGIN" not in printed
    last = printed[printed.rindex("=" * 80, 0, printed.rindex("=" * 80)) :]
    assert f"Fieldbook is at http://127.0.0.1:{port}/admin/" in last
    assert f"Log in at http://127.0.0.1:{port}/admin/ as:" in last
    assert "reporter  / a demo password for this test   Reporter in kirkuk-raids" in last
    assert "The password comes from DEMO_PASSWORD." in last
    assert f"their links use http://127.0.0.1:{port}." in last  # SITE_URL follows PORT
