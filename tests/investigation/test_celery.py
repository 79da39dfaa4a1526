import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from celery.result import EagerResult
from django.contrib.auth import get_user_model
from django.db import connection

from investigation.settings import BASE_DIR
from investigation.tasks import healthcheck
from tests.factories import make_user


@pytest.mark.redis
@pytest.mark.celery_worker
def test_a_task_runs_in_a_real_worker_that_reads_the_test_database(celery_worker):
    for name in ("ranya", "omar", "layla"):
        make_user(name)
    result = healthcheck.delay("harness")
    assert not isinstance(result, EagerResult)
    assert result.get(timeout=30) == f"pong:harness:{connection.vendor}:3"
    assert get_user_model().objects.count() == 3


def celery_settings(**environment):
    """The Celery settings a fresh process derives from `environment` alone."""
    code = (
        "import json, investigation.settings as s; "
        "print(json.dumps([s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], "DEBUG": "true", **environment},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_without_redis_url_tasks_run_inline_so_a_fresh_clone_works():
    assert celery_settings() == [True, "memory://"]


def test_with_redis_url_tasks_go_to_the_broker():
    assert celery_settings(REDIS_URL="redis://redis.internal:6379/0") == [
        False,
        "redis://redis.internal:6379/0",
    ]


# The worker and beat refuse to start when the system checks fail -----------------------------


def celery_until(command, marker, **environment):
    """Run `celery -A investigation <command>` until it exits or prints `marker` (then stop
    it): (exit code, or None when it was still running, and everything it printed)."""
    from tests.harness import stop_process, worker_environment

    closed = f"redis://127.0.0.1:{closed_port()}/0"  # the checks come before the broker
    env = {**worker_environment(closed, connection.settings_dict), **environment}
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "investigation", *command],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = []
    for line in process.stdout:
        output.append(line)
        if marker in line:
            stop_process(process)
            process.stdout.close()
            return None, "".join(output)
    process.wait(timeout=60)
    return process.returncode, "".join(output)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


WORKER = ["worker", "--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle"]


@pytest.mark.django_db(transaction=True)
def test_a_worker_with_a_failing_system_check_exits_and_names_the_check(tmp_path):
    code, output = celery_until(WORKER, "Cannot connect", REMINDER_CLAIM_SECONDS="60")
    assert code == 1, output
    assert "Fieldbook refuses to start" in output
    assert "investigation.E006" in output and "REMINDER_CLAIM_SECONDS (60 s)" in output


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_checks_pass_goes_on_to_its_broker(tmp_path):
    code, output = celery_until(WORKER, "Cannot connect")
    assert code is None, output  # still running: it got past the checks to the broker
    assert "refuses to start" not in output


@pytest.mark.django_db(transaction=True)
def test_beat_with_a_failing_system_check_exits_and_names_the_check(tmp_path):
    beat = ["beat", "--schedule", str(tmp_path / "beat-schedule")]
    code, output = celery_until(beat, "no marker: run until it exits", REMINDER_CLAIM_SECONDS="60")
    assert code == 1, output
    assert "Fieldbook refuses to start" in output and "investigation.E006" in output
