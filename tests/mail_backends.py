"""An email backend for tests with a real worker: it appends every message, as one JSON line,
to the file named by TEST_MAIL_FILE, so that the test process can read what another process
sent. Each line is one os.write on a file opened with O_APPEND: lines from concurrent senders
never interleave.

TEST_MAIL_DELAY (seconds) makes every send slow, so that a test can kill a worker mid-sweep.
TEST_MAIL_FAILURES makes the first N sends fail as a dropped SMTP connection would.
"""

import fcntl
import json
import os
import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class AppendingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            self.fail_if_asked()
            time.sleep(float(os.environ.get("TEST_MAIL_DELAY") or 0))
            append_line(os.environ["TEST_MAIL_FILE"], as_record(message))
        return len(email_messages)

    def fail_if_asked(self):
        failures = int(os.environ.get("TEST_MAIL_FAILURES") or 0)
        if failures and count_attempt(os.environ["TEST_MAIL_FILE"] + ".attempts") <= failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed (test)")


class SimulatedCrash(BaseException):
    """The worker dies: nothing after this runs (not even an `except Exception`)."""


class CrashAfterSendingBackend(LocmemBackend):
    """The mail server accepts the message (django.core.mail.outbox), then the worker dies
    before it can record the reminder sent."""

    def send_messages(self, email_messages):
        super().send_messages(email_messages)
        raise SimulatedCrash


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every recipient with `code` (5xx: for good, 4xx: for now)."""

    code = 550

    def send_messages(self, email_messages):
        refused = {address: (self.code, b"refused") for m in email_messages for address in m.to}
        raise smtplib.SMTPRecipientsRefused(refused)


def as_record(message):
    email = message.message()
    return {
        "message_id": email["Message-ID"],
        "to": message.to,
        "subject": message.subject,
        "body": message.body,
        "raw": email.as_string(),
        "pid": os.getpid(),
    }


def append_line(path, record):
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (json.dumps(record) + "\n").encode())
    finally:
        os.close(descriptor)


def count_attempt(path):
    """This attempt's number, counted across processes."""
    with open(path, "a+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.write(b"x")
        file.flush()
        return file.tell()


def read_mailbox(path):
    if not os.path.exists(path):
        return []
    with open(path) as file:
        return [json.loads(line) for line in file if line.strip()]
