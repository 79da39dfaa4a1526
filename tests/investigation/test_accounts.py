import datetime
import time
from base64 import b32encode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from investigation.checks import check_account_limits

PASSWORD = "correct horse battery staple"
TWO_FACTOR = "/account/two-factor/"
LOGIN = "/admin/login/"


@pytest.fixture
def two_factor_required(settings):
    settings.REQUIRE_2FA = True


def current_code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def make_device(user):
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def log_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def session_row(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


# Two-factor ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/events/event/", "/map/"])
def test_a_member_who_has_not_typed_a_code_is_sent_to_the_two_factor_page(
    client, cast, two_factor_required, path
):
    client.force_login(cast["reporter"])

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{TWO_FACTOR}?next={path}"


def test_logging_in_with_the_password_alone_leads_to_the_two_factor_page(
    client, cast, two_factor_required
):
    response = log_in(client, "reporter")
    response = client.get(response["Location"])

    assert response["Location"] == f"{TWO_FACTOR}?next=/admin/"


def test_the_first_visit_shows_a_qr_code_and_the_key_to_type_by_hand(
    client, cast, two_factor_required
):
    client.force_login(cast["reporter"])

    response = client.get(TWO_FACTOR)

    device = TOTPDevice.objects.get(user=cast["reporter"])
    assert not device.confirmed
    assert 'class="fieldbook-qr"><svg' in response.text
    assert b32encode(device.bin_key).decode() in response.text


def test_reloading_the_enrolment_page_keeps_the_same_key(client, cast, two_factor_required):
    client.force_login(cast["reporter"])

    first = client.get(TWO_FACTOR).context["secret"]
    second = client.get(TWO_FACTOR).context["secret"]

    assert first == second
    assert TOTPDevice.objects.filter(user=cast["reporter"]).count() == 1


def test_enrolling_with_a_code_from_the_app_confirms_the_device_and_opens_the_admin(
    client, cast, two_factor_required
):
    client.force_login(cast["reporter"])
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=cast["reporter"])

    response = client.post(TWO_FACTOR, {"code": current_code(device), "next": "/admin/"})

    assert response["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200


def test_a_person_with_a_device_is_asked_for_a_code_not_shown_the_key_again(
    client, cast, two_factor_required
):
    device = make_device(cast["reporter"])
    client.force_login(cast["reporter"])

    response = client.get(TWO_FACTOR)

    assert response.status_code == 200
    assert "Type the six-digit code your authenticator app shows" in response.text
    assert 'class="fieldbook-qr"><svg' not in response.text
    assert b32encode(device.bin_key).decode() not in response.text


def test_a_valid_code_lets_a_person_with_a_device_in(client, cast, two_factor_required):
    device = make_device(cast["reporter"])
    client.force_login(cast["reporter"])

    response = client.post(TWO_FACTOR, {"code": current_code(device), "next": "/admin/"})

    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_wrong_code_is_refused(client, cast, two_factor_required):
    device = make_device(cast["reporter"])
    client.force_login(cast["reporter"])
    wrong = f"{(int(current_code(device)) + 1) % 1000000:06d}"

    response = client.post(TWO_FACTOR, {"code": wrong})

    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert client.get("/admin/").status_code == 302


def test_a_device_refuses_a_code_it_has_already_accepted(cast):
    device = make_device(cast["reporter"])
    code = current_code(device)

    assert device.verify_token(code)
    assert not device.verify_token(code)


def test_a_code_seen_over_someones_shoulder_does_not_open_a_second_session(
    client, cast, two_factor_required
):
    device = make_device(cast["reporter"])
    code = current_code(device)
    client.force_login(cast["reporter"])
    client.post(TWO_FACTOR, {"code": code})
    other = type(client)()
    other.force_login(cast["reporter"])

    response = other.post(TWO_FACTOR, {"code": code})

    assert "That code is not right, or was already used" in response.text
    assert other.get("/admin/").status_code == 302


def test_after_a_wrong_code_the_next_attempt_has_to_wait(
    client, cast, two_factor_required, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # long enough that the test cannot outrun it
    device = make_device(cast["reporter"])
    client.force_login(cast["reporter"])
    client.post(TWO_FACTOR, {"code": "000000" if current_code(device) != "000000" else "111111"})

    response = client.post(TWO_FACTOR, {"code": current_code(device)})

    assert "Too many wrong codes. Wait 60 seconds" in response.text
    assert client.get("/admin/").status_code == 302


def test_after_the_code_the_person_goes_back_only_to_a_page_of_this_site(
    client, cast, two_factor_required
):
    device = make_device(cast["reporter"])
    client.force_login(cast["reporter"])

    response = client.post(
        TWO_FACTOR, {"code": current_code(device), "next": "https://evil.example/admin/"}
    )

    assert response["Location"] == "/admin/"


def test_a_person_halfway_through_logging_in_can_still_log_out(client, cast, two_factor_required):
    client.force_login(cast["reporter"])
    assert "_auth_user_id" in client.session

    response = client.post("/admin/logout/")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_with_two_factor_off_nobody_is_asked_for_a_code(client, cast, settings):
    settings.REQUIRE_2FA = False
    client.force_login(cast["reporter"])

    assert client.get("/admin/").status_code == 200


def test_the_admin_role_cannot_see_or_reset_anyones_device(client, cast):
    device = make_device(cast["editor"])
    client.force_login(cast["admin"])

    permissions = cast["admin"].get_all_permissions()
    assert "auth.change_user" in permissions
    assert not any(perm.startswith("otp_totp.") for perm in permissions)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 403
    assert (
        client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_superuser_resets_a_lost_device_in_the_admin_without_seeing_its_key(client, cast):
    device = make_device(cast["reporter"])
    superuser = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(superuser)

    page = client.get(f"/admin/otp_totp/totpdevice/{device.pk}/change/")
    deleted = client.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert 'value="Phone"' in page.text
    assert device.key not in page.text
    assert deleted.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()


# Login throttling ------------------------------------------------------------------------------


def test_five_failed_logins_lock_the_account_even_against_the_right_password(client, cast):
    for _ in range(4):
        assert log_in(client, "reporter", "wrong password").status_code == 200
    assert log_in(client, "reporter", "wrong password").status_code == 429

    response = log_in(client, "reporter", PASSWORD)

    assert response.status_code == 429
    assert "try again in 15 minutes" in response.text
    assert "_auth_user_id" not in client.session


def test_an_unknown_username_gets_the_very_same_lockout_page(client, cast):
    for _ in range(5):
        log_in(client, "reporter", "wrong password")
        log_in(client, "nobody-by-this-name", "wrong password")

    known = log_in(client, "reporter", PASSWORD)
    unknown = log_in(client, "nobody-by-this-name", PASSWORD)

    assert known.status_code == unknown.status_code == 429
    assert b"try again in 15 minutes" in known.content
    assert known.content.replace(b"reporter", b"") == unknown.content.replace(
        b"nobody-by-this-name", b""
    )
    assert b"reporter" not in known.content


def test_the_lockout_is_per_account_so_colleagues_can_still_log_in(client, cast):
    for _ in range(5):
        log_in(client, "reporter", "wrong password")

    response = log_in(client, "editor")

    assert response.status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, cast):
    for _ in range(4):
        log_in(client, "reporter", "wrong password")
    log_in(client, "reporter")
    client.post("/admin/logout/")

    for _ in range(4):
        assert log_in(client, "reporter", "wrong password").status_code == 200
    assert log_in(client, "reporter").status_code == 302


# Sessions --------------------------------------------------------------------------------------


def test_the_session_gets_a_new_key_at_login(client, cast):
    before = client.session.session_key  # a session that exists before the login

    log_in(client, "reporter")

    assert client.cookies["sessionid"].value != before
    assert client.session["_auth_user_id"] == str(cast["reporter"].pk)


def test_a_login_notes_its_time_in_the_session(client, cast):
    log_in(client, "reporter")

    assert abs(client.session["authenticated_at"] - time.time()) < 60


def test_each_request_moves_the_idle_timeout_thirty_minutes_ahead(client, cast):
    client.force_login(cast["reporter"])
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=1))

    client.get("/admin/")

    left = session_row(client).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)


def test_pages_within_a_minute_of_each_other_save_the_session_once(client, cast):
    client.force_login(cast["reporter"])
    client.get("/admin/")
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=20))

    client.get("/admin/")

    left = session_row(client).expire_date - timezone.now()
    assert left <= datetime.timedelta(minutes=20)


def test_a_page_a_minute_after_the_last_save_moves_the_idle_timeout_again(client, cast):
    client.force_login(cast["reporter"])
    client.get("/admin/")
    session = client.session
    session["refreshed_at"] -= 61
    session.save()
    Session.objects.update(expire_date=timezone.now() + datetime.timedelta(minutes=20))

    client.get("/admin/")

    left = session_row(client).expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < left <= datetime.timedelta(minutes=30)


def test_a_session_idle_for_more_than_thirty_minutes_ends(client, cast):
    client.force_login(cast["reporter"])
    # The expiry a request 30 minutes and 1 second ago would have set.
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_a_session_older_than_twelve_hours_ends_even_if_active(client, cast):
    client.force_login(cast["reporter"])
    session = client.session
    session["authenticated_at"] = int(time.time()) - 12 * 60 * 60 - 1
    session.save()

    response = client.get("/admin/events/event/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/admin/events/event/"
    assert "_auth_user_id" not in client.session
    assert "logged out after 12 hours" in client.get(response["Location"]).text


def test_a_session_younger_than_twelve_hours_is_kept(client, cast):
    client.force_login(cast["reporter"])
    session = client.session
    session["authenticated_at"] = int(time.time()) - 12 * 60 * 60 + 60
    session.save()

    assert client.get("/admin/").status_code == 200


def test_a_zero_lockout_or_session_limit_is_refused_at_startup(settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(0)

    errors = check_account_limits(None)

    assert [error.id for error in errors] == ["investigation.E005"]
    assert "LOGIN_LOCKOUT_MINUTES" in errors[0].msg
