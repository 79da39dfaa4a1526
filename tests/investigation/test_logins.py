"""Failed logins: per username, per address across usernames (spraying), and no cheap way to
lock a colleague out at their own desk (investigation.logins)."""

import pytest
from django.core.management import call_command

PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/"


def log_in(client, username, password=PASSWORD, address="10.0.0.9"):
    client.cookies.clear()
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_twenty_failures_from_one_address_lock_it_whatever_the_usernames(client, cast, settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 20
    for number in range(19):
        assert log_in(client, f"guess{number}", "wrong").status_code == 200
    assert log_in(client, "editor").status_code == 302  # positive control: 19 do not lock

    for number in range(19, 25):
        log_in(client, f"guess{number}", "wrong")

    assert log_in(client, "editor").status_code == 429
    assert log_in(client, "editor", address="10.0.0.10").status_code == 302  # another address


def test_a_successful_login_does_not_clear_the_addresss_failures(client, cast):
    for number in range(15):
        log_in(client, f"guess{number}", "wrong")
    assert log_in(client, "reporter").status_code == 302
    for number in range(15, 20):
        log_in(client, f"guess{number}", "wrong")

    assert log_in(client, "editor").status_code == 429


def test_someone_elsewhere_cannot_lock_an_editor_out_at_their_usual_address(client, cast):
    assert log_in(client, "editor", address="10.1.1.1").status_code == 302  # their desk
    for _ in range(6):
        assert log_in(client, "editor", "wrong", address="203.0.113.7").status_code in (200, 429)

    assert log_in(client, "editor", address="10.1.1.1").status_code == 302
    # Positive control: from an address the editor never used, the username is locked.
    assert log_in(client, "editor", address="198.51.100.3").status_code == 429


def test_failures_at_the_editors_own_address_still_lock_it_there(client, cast):
    assert log_in(client, "editor", address="10.1.1.1").status_code == 302
    for _ in range(5):
        log_in(client, "editor", "wrong", address="10.1.1.1")
    assert log_in(client, "editor", address="10.1.1.1").status_code == 429


@pytest.mark.parametrize(
    ("command", "argument"),
    [("axes_reset_username", "editor"), ("axes_reset_ip", "10.0.0.9")],
)
def test_the_unlock_commands_let_the_person_back_in(client, cast, command, argument):
    for _ in range(5):
        log_in(client, "editor", "wrong")
    assert log_in(client, "editor").status_code == 429

    call_command(command, argument, verbosity=0)

    assert log_in(client, "editor").status_code == 302
