"""Two application servers that share only PostgreSQL, Redis and the bucket (an S3 API on
loopback: moto's server), as on two machines behind a proxy: a login and an upload on one, the
download on the other, and nothing but ciphertext in the bucket or on either server's disk."""

import base64
import os
import re

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from sources.models import Attachment
from tests.admin_forms import FormFields
from tests.factories import make_interview, make_source
from tests.harness import PASSWORD, application_server, database_url
from tests.waiting import wait_for

pytestmark = [
    pytest.mark.postgresql,  # a database two processes share
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),  # the servers must see the test's rows
]

CANARY = b"canary: the mill's night watchman, Quuxabad, told us this\n" * 2000  # 2 chunks


def server_environment(bucket, redis_url, media_root):
    """What one application server needs: the same database, Redis, bucket, keys and
    SECRET_KEY as every other, and a MEDIA_ROOT of its own (it must need nothing there)."""
    keys = [base64.urlsafe_b64encode(key).decode() for key in settings.FIELD_ENCRYPTION_KEYS]
    return {
        **os.environ,
        **bucket.environment(),
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis_url,
        "FIELD_ENCRYPTION_KEYS": ",".join(keys),
        "SECRET_KEY": settings.SECRET_KEY,  # sessions signed on one are read on the other
        "MEDIA_ROOT": str(media_root),
        "DEBUG": "true",  # plain HTTP on loopback: no secure cookies, no collectstatic
        "REQUIRE_2FA": "false",
        "LOG_LEVEL": "WARNING",
    }


def login(session, url, user):
    page = session.get(f"{url}/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{url}/admin/login/?next=/admin/",
        data={"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert answer.status_code == 200 and 'id="logout-form"' in answer.text, answer.text[:500]


def change_form(session, url):
    """The fields the interview's change form posts back unchanged."""
    page = session.get(url)
    assert page.status_code == 200
    parser = FormFields()
    parser.feed(page.text)
    data = {}
    for name, value in parser.fields:
        data.setdefault(name, []).append(value)
    return data


def upload(session, url, content):
    data = change_form(session, url)
    row = int(data["attachments-TOTAL_FORMS"][0])
    data["attachments-TOTAL_FORMS"] = [str(row + 1)]
    data[f"attachments-{row}-title"] = ["Notes of the second call"]
    files = {f"attachments-{row}-file": ("call.txt", content, "text/plain")}
    return session.post(url, data=data, files=files, allow_redirects=False)


def test_an_attachment_uploaded_on_one_server_downloads_from_the_other_and_the_bucket_holds_only_ciphertext(  # noqa: E501
    bucket, redis_url, tmp_path, investigation, cast
):
    reporter = cast["reporter"]
    # The servers hash passwords as production does (the tests' own hasher is MD5, for speed).
    reporter.password = PBKDF2PasswordHasher().encode(PASSWORD, "two-servers", iterations=1000)
    reporter.save(update_fields=["password"])
    source = make_source(investigation, reporter)
    interview = make_interview(investigation, reporter, sources=[source])
    disks = {name: tmp_path / name / "media" for name in ("one", "two")}
    environments = {
        name: server_environment(bucket, redis_url, media) for name, media in disks.items()
    }
    session = requests.Session()

    with (
        application_server(environments["one"], tmp_path / "one.log") as one,
        application_server(environments["two"], tmp_path / "two.log") as two,
    ):
        login(session, one, reporter)
        change = f"{one}/admin/sources/interview/{interview.pk}/change/"
        posted = upload(session, change, CANARY)
        assert posted.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", posted.text)
        assert wait_for(lambda: Attachment.objects.filter(interview=interview).exists())
        attachment = Attachment.objects.get(interview=interview)

        response = session.get(f"{two}{attachment.get_download_url()}")  # the other server
        elsewhere = requests.get(
            f"{two}{attachment.get_download_url()}", allow_redirects=False, timeout=30
        )

    assert response.status_code == 200, response.text[:2000]
    assert response.content == CANARY
    assert elsewhere.status_code == 302  # the control: without the session, a login first
    stored = bucket.objects()
    assert list(stored) == [f"attachments/{attachment.file.name}"]
    assert len(stored[f"attachments/{attachment.file.name}"]) > len(CANARY)  # it is all there
    assert CANARY[:40] not in stored[f"attachments/{attachment.file.name}"]
    for disk in disks.values():  # neither server kept a copy of its own
        assert not disk.exists() or not any(path.is_file() for path in disk.rglob("*"))
