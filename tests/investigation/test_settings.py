import base64
import os
import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from investigation import checks
from investigation.settings import (
    BASE_DIR,
    DEV_SECRET_KEY,
    env_bool,
    env_encryption_keys,
    env_int,
    env_list,
    parse_email_url,
    parse_encryption_key,
)

GOOD_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


# Typed helpers ---------------------------------------------------------------------------------


def test_env_bool_refuses_a_word_that_is_not_true_or_false(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"FLAG='maybe' is not a boolean"):
        env_bool("FLAG")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("true", True), ("Yes", True), ("1", True), (" on ", True), ("false", False), ("0", False)],
)
def test_env_bool_reads_the_usual_words(monkeypatch, text, expected):
    monkeypatch.setenv("FLAG", text)
    assert env_bool("FLAG", default=not expected) is expected


def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("FLAG", raising=False)
    assert env_bool("FLAG", default=True) is True


def test_env_int_refuses_a_number_written_in_words(monkeypatch):
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match=r"COUNT='ten' is not a whole number"):
        env_int("COUNT", 3)


def test_env_int_reads_a_number_and_falls_back_when_blank(monkeypatch):
    monkeypatch.setenv("COUNT", "10")
    assert env_int("COUNT", 3) == 10
    monkeypatch.setenv("COUNT", " ")
    assert env_int("COUNT", 3) == 3


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("HOSTS", " fieldbook.example.org, ,staff.example.org ")
    assert env_list("HOSTS") == ["fieldbook.example.org", "staff.example.org"]


# Encryption keys -------------------------------------------------------------------------------


def test_an_encryption_key_that_is_not_base64_is_refused():
    with pytest.raises(ImproperlyConfigured, match="not base64"):
        parse_encryption_key("this is not a key!")


def test_an_encryption_key_of_the_wrong_length_is_refused_with_its_length():
    short_key = base64.urlsafe_b64encode(bytes(16)).decode()
    with pytest.raises(ImproperlyConfigured, match="16-byte key; each key must be 32 bytes"):
        parse_encryption_key(short_key)


def test_a_generated_encryption_key_is_accepted():
    assert parse_encryption_key(GOOD_KEY) == bytes(range(32))


def test_encryption_keys_come_from_the_environment_newest_first(monkeypatch, tmp_path):
    older = base64.urlsafe_b64encode(bytes(32)).decode()
    monkeypatch.setenv("KEYS", f"{GOOD_KEY}, {older}")
    fallback = tmp_path / "field-encryption.key"
    fallback.write_text(older)
    assert env_encryption_keys("KEYS", fallback) == [bytes(range(32)), bytes(32)]


def test_the_development_key_file_is_read_only_when_the_environment_has_none(monkeypatch, tmp_path):
    monkeypatch.delenv("KEYS", raising=False)
    fallback = tmp_path / "field-encryption.key"
    fallback.write_text(f"{GOOD_KEY}\n")
    assert env_encryption_keys("KEYS", fallback) == [bytes(range(32))]
    assert env_encryption_keys("KEYS", tmp_path / "missing.key") == []


# EMAIL_URL -------------------------------------------------------------------------------------


def test_an_smtp_url_with_tls_gives_host_port_and_credentials():
    email = parse_email_url("smtp://desk%40example.org:p%40ss@mail.example.org:587?tls=true")
    assert email == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "desk@example.org",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_SSL": False,
        "EMAIL_USE_TLS": True,
    }


def test_smtp_and_smtps_urls_without_a_port_use_the_standard_ports():
    assert parse_email_url("smtp://mail.example.org")["EMAIL_PORT"] == 25
    smtps = parse_email_url("smtps://mail.example.org")
    assert smtps["EMAIL_PORT"] == 465 and smtps["EMAIL_USE_SSL"] is True


def test_console_and_file_urls_choose_the_matching_backends():
    assert parse_email_url("console://") == {
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"
    }
    assert parse_email_url("file:///var/mail/fieldbook") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/var/mail/fieldbook",
    }


def test_an_email_url_with_an_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="scheme 'http' is not supported"):
        parse_email_url("http://mail.example.org")


@pytest.mark.parametrize("port", ["abc", "99999"])
def test_an_email_url_with_a_bad_port_is_refused(port):
    with pytest.raises(ImproperlyConfigured, match="port that is not a number"):
        parse_email_url(f"smtp://mail.example.org:{port}")


# System checks ---------------------------------------------------------------------------------

PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": "x" * 60,
    "FIELD_ENCRYPTION_KEYS": [bytes(32)],
    "ALLOWED_HOSTS": ["fieldbook.example.org"],
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def error_ids(check, **overrides):
    with override_settings(**{**PRODUCTION, **overrides}):
        return {message.id for message in check(app_configs=None)}


def test_production_settings_without_key_secret_or_hosts_are_refused():
    assert error_ids(
        checks.check_production_settings,
        SECRET_KEY=DEV_SECRET_KEY,
        FIELD_ENCRYPTION_KEYS=[],
        ALLOWED_HOSTS=[],
    ) == {"investigation.E001", "investigation.E002", "investigation.E003"}


def test_complete_production_settings_pass_every_check():
    for check, broken in (
        (checks.check_production_settings, {"SECRET_KEY": DEV_SECRET_KEY}),
        (checks.check_debug_with_public_hosts, {"DEBUG": True}),
        (checks.check_celery_broker, {"REDIS_URL": ""}),
    ):
        assert error_ids(check) == set()
        assert error_ids(check, **broken), check  # positive control: the check does report


def test_development_may_run_without_secret_key_encryption_key_or_hosts():
    missing = {"SECRET_KEY": DEV_SECRET_KEY, "FIELD_ENCRYPTION_KEYS": [], "ALLOWED_HOSTS": []}
    ids = error_ids(checks.check_production_settings, DEBUG=True, **missing)
    assert ids == set()
    # Positive control: the same settings without DEBUG are refused.
    assert error_ids(checks.check_production_settings, DEBUG=False, **missing)


def test_debug_while_serving_a_public_host_is_refused():
    assert error_ids(checks.check_debug_with_public_hosts, DEBUG=True) == {"investigation.E004"}


def test_production_without_redis_warns_that_tasks_run_in_web_requests():
    assert error_ids(checks.check_celery_broker, REDIS_URL="") == {"investigation.W001"}


# manage.py check, as an operator runs it -------------------------------------------------------


def manage(*arguments, **environment):
    """Run manage.py in a clean environment: only PATH and `environment`."""
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    key = manage("generate_encryption_key").stdout.strip()
    result = manage(
        "check",
        "--deploy",
        SECRET_KEY=secrets.token_urlsafe(64),
        FIELD_ENCRYPTION_KEYS=key,
        ALLOWED_HOSTS="fieldbook.example.org",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_refuses_to_run_without_debug_and_secret_key():
    result = manage("check", ALLOWED_HOSTS="fieldbook.example.org")
    assert result.returncode != 0
    assert "investigation.E001" in result.stderr
