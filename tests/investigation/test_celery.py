import json
import os
import subprocess
import sys

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
