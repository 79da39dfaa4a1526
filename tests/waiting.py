"""Waiting on another process (a Celery worker, a server) in tests: poll a condition with a
deadline, never sleep a fixed time and hope."""

import time


def wait_for(condition, timeout=30, interval=0.05):
    """Poll `condition` until it holds; False when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False
