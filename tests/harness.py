"""The test harness, a pytest plugin (pyproject.toml: -p tests.harness): real services
(PostgreSQL, Redis, a Celery worker, Chromium) or a visible reason why a test did not run.

On a developer's machine a test whose service is absent is skipped with the reason; with CI=true
it fails instead, because a CI run that skipped its service tests would prove nothing.
Sections: harness, database, Redis, Celery worker, an S3 bucket (moto's server) and
application servers (gunicorn), browser, reports, and what every test gets
(fast password hashing, a fresh encryption key). The cast is in tests/conftest.py.
"""

import base64
import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.waiting import wait_for

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
ARTIFACTS_DIR = VAR_DIR / "test-artifacts"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


# Harness -------------------------------------------------------------------------------------


def require(available: bool, reason: str) -> None:
    """Skip the running test with `reason` unless `available`; fail instead when CI=true."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service fails the test)", pytrace=False)
    pytest.skip(reason)


# A test that uses a service's fixture carries that service's marker, so that `-m "not browser"`
# and friends select correctly even when a test forgot its marker.
MARKER_BY_FIXTURE = {"redis_url": "redis", "celery_worker": "celery_worker", "browser": "browser"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture, marker in MARKER_BY_FIXTURE.items():
            if fixture in item.fixturenames:
                item.add_marker(marker)
        restore_migrated_rows_before(item)
    postgresql_only = [item for item in items if item.get_closest_marker("postgresql")]
    if postgresql_only and not on_postgresql():
        set_aside_postgresql_tests(config, items, postgresql_only)


def restore_migrated_rows_before(item):
    """Transactional tests (live server, worker, committed rows) empty every table when they
    end. A serialized rollback puts back what the migrations installed (the role groups and
    their permissions) before each of them, which their people need; pytest-django runs these
    tests after all the others, so ordinary tests are unaffected."""
    marker = item.get_closest_marker("django_db")
    asked = marker is not None and marker.kwargs.get("transaction")
    if asked or {"transactional_db", "live_server"} & set(item.fixturenames):
        kwargs = {**(marker.kwargs if marker else {}), "transaction": True}
        kwargs["serialized_rollback"] = True
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def write_line(config, text):
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(text)


# Database ------------------------------------------------------------------------------------

POSTGRESQL_ONLY = "runs on PostgreSQL only: set DATABASE_URL=postgres://..."
# A file rather than SQLite's usual in-memory test database, so that a Celery worker process can
# open it; one per run, so that two runs on one machine do not delete each other's database.
SQLITE_TEST_DATABASE = VAR_DIR / f"test-fieldbook-{os.getpid()}.sqlite3"


def default_database():
    from django.conf import settings

    return settings.DATABASES["default"]


def on_postgresql():
    return default_database()["ENGINE"] == "django.db.backends.postgresql"


def set_aside_postgresql_tests(config, items, postgresql_only):
    """CI runs the suite on PostgreSQL and again on SQLite: the SQLite pass deselects the
    PostgreSQL tests (they ran in the other pass), a developer's SQLite run skips them."""
    if not IN_CI:
        for item in postgresql_only:
            item.add_marker(pytest.mark.skip(reason=POSTGRESQL_ONLY))
        return
    config.hook.pytest_deselected(items=postgresql_only)
    items[:] = [item for item in items if item not in postgresql_only]
    write_line(
        config,
        f"Deselected {len(postgresql_only)} test(s) marked postgresql: this pass runs on SQLite "
        "and the PostgreSQL pass (DATABASE_URL) runs them.",
    )


def postgresql_problem():
    """Why the configured PostgreSQL server does not answer, or "" when it does."""
    import psycopg

    database = default_database()
    try:
        psycopg.connect(
            dbname="postgres",  # where pytest-django creates the test database from
            host=database["HOST"] or None,
            port=str(database["PORT"]) if database["PORT"] else None,
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            connect_timeout=3,
        ).close()
    except psycopg.OperationalError as error:
        return str(error).strip()
    return ""


def pytest_sessionstart(session):
    # DATABASE_URL asked for PostgreSQL: one clear stop beats every database test failing
    # with the same connection error (and is never a skip, on any machine).
    if on_postgresql() and (problem := postgresql_problem()):
        pytest.exit(
            f"DATABASE_URL points at PostgreSQL, which does not answer: {problem}", returncode=1
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Make the serialized migrated rows (see restore_migrated_rows_before) reachable from
    every connection object. Django keeps them on the connection that created the test
    database, but connections are per context, and Playwright's sync API runs browser tests
    in another context with connections of their own."""
    from django.db import DEFAULT_DB_ALIAS, connections

    wrapper = connections[DEFAULT_DB_ALIAS]
    contents = getattr(wrapper, "_test_serialized_contents", None)
    if contents is not None:
        type(wrapper)._test_serialized_contents = contents
    return django_db_setup


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    database = default_database()
    if database["ENGINE"] == "django.db.backends.sqlite3":
        VAR_DIR.mkdir(mode=0o700, exist_ok=True)
        database.setdefault("TEST", {})["NAME"] = str(SQLITE_TEST_DATABASE)


def describe_database():
    database = default_database()
    if on_postgresql():
        return (
            f"PostgreSQL at {database['HOST'] or 'the local socket'}:{database['PORT'] or 5432}, "
            f"test database test_{database['NAME']}"
        )
    return f"SQLite, test database {SQLITE_TEST_DATABASE.relative_to(BASE_DIR)}"


def database_url(database):
    """A DATABASE_URL for the database `database` (a connection's settings) names."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    port = f":{database['PORT']}" if database["PORT"] else ""
    return (
        f"postgres://{quote(database['USER'] or '', safe='')}{password}"
        f"@{quote(database['HOST'] or '', safe='')}{port}/{quote(database['NAME'], safe='')}"
    )


# Redis ---------------------------------------------------------------------------------------

# Database 15, never 0: the tests empty it, and a developer's `make run` uses 0.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/15"


def redacted(url):
    parts = urlsplit(url)
    if not parts.password:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def redis_problem(url):
    """Why Redis at `url` does not answer a ping within a second, or "" when it does."""
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1) as client:
            client.ping()
    except redis.RedisError as error:
        return str(error)
    return ""


@pytest.fixture
def redis_url():
    """TEST_REDIS_URL, its database emptied before and after the test."""
    import redis

    problem = redis_problem(TEST_REDIS_URL)
    require(
        not problem,
        f"needs Redis at {redacted(TEST_REDIS_URL)} ({problem}): start redis-server "
        "or set TEST_REDIS_URL",
    )
    with redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1) as client:
        client.flushdb()
        yield TEST_REDIS_URL
        client.flushdb()


# Celery worker -------------------------------------------------------------------------------

WORKER_START_TIMEOUT = 30


@dataclass
class CeleryWorker:
    """A `celery worker` process consuming its own queue. Tasks sent with .delay() or
    .delay_on_commit() go to that queue (it is the default queue during the test)."""

    queue: str
    nodename: str
    log_path: Path

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def celery_worker(request, redis_url, transactional_db, tmp_path):
    """A real worker on Redis, reading the test database: the test's rows must be committed
    for the worker to see them, hence transactional_db."""
    from django.db import connection

    from investigation import celery_app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    worker = CeleryWorker(queue, f"{queue}@localhost", tmp_path / "celery-worker.log")
    request.node.celery_worker = worker  # the report shows its log when the test fails
    environment = worker_environment(redis_url, connection.settings_dict)
    with (
        celery_app_using(celery_app, broker_url=redis_url, queue=queue),
        worker_process(worker, environment) as process,
    ):
        wait_until_worker_answers(celery_app, worker, process)
        yield worker


def worker_environment(redis_url, database):
    from django.conf import settings

    environment = {
        **os.environ,
        "DEBUG": "true",
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url(database),
    }
    # The worker must read what this process encrypts (the cast's session makes a key per run).
    keys = [base64.urlsafe_b64encode(key).decode() for key in settings.FIELD_ENCRYPTION_KEYS]
    if keys:
        environment["FIELD_ENCRYPTION_KEYS"] = ",".join(keys)
    return environment


@contextlib.contextmanager
def celery_app_using(app, *, broker_url, queue):
    """Point this process's Celery app at the worker's broker and queue; restore it after."""
    names = ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    saved = {name: app.conf[name] for name in names}
    app.conf.update(
        broker_url=broker_url,
        result_backend=broker_url,
        task_always_eager=False,
        task_default_queue=queue,
    )
    forget_connections(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        forget_connections(app)


def forget_connections(app):
    """Celery caches its broker pool and result backend: drop them so new URLs take effect.
    kombu keeps every pool in a registry by URL too, where a closed pool would otherwise be
    handed out again to the next test on the same URL ("Acquire on closed pool")."""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local = threading.local()


@contextlib.contextmanager
def worker_process(worker, environment):
    command = [
        str(Path(sys.executable).with_name("celery")),
        *("-A", "investigation", "worker", "--pool", "solo", "--concurrency", "1"),
        *("-Q", worker.queue, "--hostname", worker.nodename, "--loglevel", "INFO"),
        *("--without-heartbeat", "--without-gossip", "--without-mingle"),
    ]
    with worker.log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        stop_process(process)


def stop_process(process, timeout=15):
    """SIGTERM is Celery's warm shutdown (it finishes the running task); SIGKILL if that hangs."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_worker_answers(app, worker, process):
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        if app.control.ping(destination=[worker.nodename], timeout=0.5):
            return
    pytest.fail(
        f"The Celery worker {worker.nodename} did not answer a ping within "
        f"{WORKER_START_TIMEOUT} s (exit code {process.poll()}). Its log:\n{worker.log()}",
        pytrace=False,
    )


# An S3-compatible bucket and application servers ---------------------------------------------

S3_CREDENTIALS = {"aws_access_key_id": "fieldbook-test", "aws_secret_access_key": "fieldbook-test"}
S3_REGION = "us-east-1"
SERVER_START_TIMEOUT = 60


def free_port():
    """A TCP port nobody listens on at this moment, on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url):
    """True when `url` answers HTTP at all (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (a loopback URL of ours)
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


@dataclass
class Bucket:
    """A bucket on the test S3 server, and how Fieldbook is pointed at it."""

    endpoint_url: str
    name: str

    def client(self):
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint_url, region_name=S3_REGION, **S3_CREDENTIALS
        )

    def objects(self):
        """{key: stored bytes} of every object in the bucket."""
        client = self.client()
        listed = client.list_objects_v2(Bucket=self.name).get("Contents", [])
        return {
            entry["Key"]: client.get_object(Bucket=self.name, Key=entry["Key"])["Body"].read()
            for entry in listed
        }

    def environment(self):
        """What an application server or worker needs in its environment to use it."""
        return {
            "STORAGE_BUCKET": self.name,
            "STORAGE_ENDPOINT_URL": self.endpoint_url,
            "STORAGE_REGION": S3_REGION,
            "AWS_ACCESS_KEY_ID": S3_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": S3_CREDENTIALS["aws_secret_access_key"],
        }

    def storage_setting(self):
        """settings.STORAGES["private"] as investigation/settings.py makes it from environment()."""
        return {
            "BACKEND": "sources.bucket.EncryptedS3Storage",
            "OPTIONS": {
                "bucket_name": self.name,
                "endpoint_url": self.endpoint_url,
                "region_name": S3_REGION,
                "addressing_style": "path",
                "access_key": S3_CREDENTIALS["aws_access_key_id"],
                "secret_key": S3_CREDENTIALS["aws_secret_access_key"],
                "default_acl": None,
                "querystring_auth": False,
            },
        }


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto's S3 server (moto[s3] and Flask, in requirements.txt) on a free loopback port for the
    whole run: the bucket API of production, on this machine."""
    moto_server = Path(sys.executable).with_name("moto_server")
    require(
        moto_server.exists(),
        f"needs moto's server at {moto_server}: pip install -r requirements.txt",
    )
    port = free_port()
    log_path = tmp_path_factory.mktemp("s3") / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(moto_server), "-H", "127.0.0.1", "-p", str(port)],
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        if not wait_for(lambda: process.poll() is not None or answers(url), timeout=30):
            pytest.fail(f"moto's S3 server did not answer:\n{log_path.read_text()}", pytrace=False)
        yield url
    finally:
        stop_process(process)


@pytest.fixture
def bucket(s3_server, settings):
    """A new, empty bucket on the test S3 server, with the private storage pointed at it."""
    created = Bucket(s3_server, f"fieldbook-test-{uuid.uuid4().hex[:12]}")
    created.client().create_bucket(Bucket=created.name)
    settings.STORAGES = {**settings.STORAGES, "private": created.storage_setting()}
    return created


@contextlib.contextmanager
def application_server(environment, log_path):
    """An application server as in production (gunicorn, investigation.wsgi) on a free
    loopback port, with `environment` as its whole environment: its base URL."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"),
        "investigation.wsgi",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        started = wait_for(
            lambda: process.poll() is not None or answers(f"{url}/admin/login/"),
            timeout=SERVER_START_TIMEOUT,
        )
        if not started or process.poll() is not None:
            pytest.fail(
                f"The application server on port {port} did not start (exit code "
                f"{process.poll()}). Its log:\n{log_path.read_text(errors='replace')}",
                pytrace=False,
            )
        yield url
    finally:
        stop_process(process)


# Browser -------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package: tests never download a browser
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery staple"  # what tests.factories.make_user gives everyone


@pytest.fixture(scope="session")
def browser():
    require(CHROMIUM.exists(), f"needs Debian's Chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def outside_requests():
    """URLs the page tried to fetch outside the live server (tiles, CDNs), all blocked."""
    return []


@pytest.fixture
def page(request, browser, live_server, outside_requests):
    """A fresh browser context on the live server that cannot reach the outside world. A
    test whose page broke the Content-Security-Policy (an inline script or style, a script
    from elsewhere) fails: the browser refused part of the page."""
    context = browser.new_context(base_url=live_server.url, service_workers="block")
    context.route("**/*", lambda route: stay_on(live_server.url, route, outside_requests))
    page = context.new_page()
    violations = []
    page.on("console", lambda message: note_csp_violation(message, violations))
    yield page
    if failed(request.node):
        save_screenshot(page, request.node)
    context.close()
    if violations:
        pytest.fail("The page broke its Content-Security-Policy:\n" + "\n".join(violations))


def note_csp_violation(message, violations):
    if message.type == "error" and "Content Security Policy" in message.text:
        violations.append(message.text)


def stay_on(origin, route, outside_requests):
    if route.request.url.startswith(f"{origin}/"):
        route.continue_()
        return
    outside_requests.append(route.request.url)
    route.abort("blockedbyclient")


@pytest.fixture
def log_in(page):
    """log_in(user) fills and submits the admin login form, then waits to be logged in."""
    from playwright.sync_api import expect

    def log_in(user, password=PASSWORD):
        page.goto("/admin/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#logout-form")).to_be_attached()
        return page

    return log_in


# Reports -------------------------------------------------------------------------------------

saved_artifacts = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # fixtures look here in their teardown
    worker = getattr(item, "celery_worker", None)
    if report.when == "call" and report.failed and worker is not None:
        report.sections.append((f"Celery worker {worker.nodename} log", worker.log()))
    return report


def failed(item):
    report = getattr(item, "report_call", None)
    return report is not None and report.failed


def save_screenshot(page, item):
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', item.nodeid)}.png"
    page.screenshot(path=path, full_page=True)
    saved_artifacts.append(path.relative_to(BASE_DIR))


def pytest_report_header(config):
    redis_state = redis_problem(TEST_REDIS_URL) or "answers"
    return [
        f"fieldbook database: {describe_database()}",
        f"fieldbook redis: {redacted(TEST_REDIS_URL)} ({redis_state})",
        f"fieldbook chromium: {CHROMIUM} ({'present' if CHROMIUM.exists() else 'missing'})",
        "fieldbook CI=true: a missing service fails its tests"
        if IN_CI
        else "fieldbook: a missing service skips its tests (with CI=true it fails them)",
    ]


def pytest_terminal_summary(terminalreporter):
    for path in saved_artifacts:
        terminalreporter.write_line(f"Screenshot of a failed browser test: {path}")


# Every test --------------------------------------------------------------------------------------


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Creating the cast's accounts with the real hasher would take most of the suite's time."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def field_encryption_keys():
    """A fresh key for the test run: tests never depend on a developer's var/ key file."""
    import base64
    import os

    from django.test.utils import override_settings

    key = os.urandom(32)
    with override_settings(FIELD_ENCRYPTION_KEYS=[key]):
        yield [base64.urlsafe_b64encode(key).decode()]
