"""Pytest fixtures for the real services: SMTP (aiosmtpd), a Celery worker on Redis, and Chromium.

A test that needs a service that is missing on a laptop is skipped with the reason;
with CI set, the same absence fails the test instead, so CI can never go green by skipping.
"""

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.db import connection


def wait_until(predicate, timeout: float = 20.0, what: str = "condition"):
    """Poll until predicate() is truthy; the SMTP server sees a message before the worker records it."""
    deadline = time.monotonic() + timeout
    while not (result := _poll(predicate)):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return result


def _poll(predicate):
    """predicate(), or None while SQLite reports a table locked: the in-memory test database is shared with a
    worker's thread, and SQLite answers a read of a table that thread is writing with "locked" at once instead of
    waiting (the busy timeout does not apply to a shared cache)."""
    from django.db import OperationalError

    try:
        return predicate()
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        return None


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _worker_database(url: str) -> str:
    """Under pytest-xdist (`-n 2`), each worker process gets Redis databases of its own, two below the last
    worker's (gw0: 15 and 14, gw1: 13 and 12), as pytest-django gives each its own test database."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    if not worker:
        return url
    parts = urllib.parse.urlsplit(url)
    return parts._replace(path=f"/{int(parts.path.strip('/') or 0) - 2 * worker}").geturl()


TEST_REDIS_URL = _worker_database(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
# A second database of the tests' own, for the tests that keep the cache apart from the broker.
TEST_CACHE_REDIS_URL = _worker_database(os.environ.get("TEST_CACHE_REDIS_URL", "redis://127.0.0.1:6379/14"))
# The Celery broker for the worker tests: the test Redis, or RabbitMQ (CI: amqp://…/portal_test, a vhost of
# the tests' own) to prove the outbox on both brokers.
TEST_BROKER_URL = os.environ.get("TEST_BROKER_URL", TEST_REDIS_URL)
TEST_QUEUES = ("celery", "urgent")


def missing(reason: str):
    """Skip on a laptop; fail on CI, where every service must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_available(url: str = TEST_REDIS_URL) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def require_postgres(db):
    if connection.vendor != "postgresql":
        missing("needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url():
    if not redis_available():
        missing(f"needs Redis at {TEST_REDIS_URL}")
    import redis

    redis.Redis.from_url(TEST_REDIS_URL).flushdb()
    return TEST_REDIS_URL


@pytest.fixture
def broker_url(redis_url):
    """TEST_BROKER_URL with its queues empty."""
    if TEST_BROKER_URL == TEST_REDIS_URL:
        return TEST_BROKER_URL  # redis_url has emptied its database
    from kombu import Connection

    try:
        with Connection(TEST_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1)
            for queue in TEST_QUEUES:
                broker.SimpleQueue(queue).clear()
    except broker.connection_errors as error:
        missing(f"needs the broker at {TEST_BROKER_URL}: {error}")
    return TEST_BROKER_URL


def unreachable(url: str) -> str:
    """The same broker URL with a port nothing listens on."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    return parts._replace(netloc=f"{netloc}:{free_port()}").geturl()


def queue_length(app, queue: str) -> int:
    """Messages waiting on a broker queue (Redis list or RabbitMQ queue alike)."""
    with app.connection_for_read() as broker:
        try:
            return broker.default_channel.queue_declare(queue=queue, passive=True).message_count
        except broker.channel_errors:  # RabbitMQ: never declared; Redis declares passively without complaint
            return 0


def drop_queue(app, queue: str) -> None:
    """As if the broker lost every message on the queue."""
    with app.connection_for_write() as broker:
        broker.default_channel.queue_purge(queue)


@pytest.fixture
def cache_redis_url(redis_url):
    import redis

    redis.Redis.from_url(TEST_CACHE_REDIS_URL).flushdb()
    return TEST_CACHE_REDIS_URL


# --- SMTP -------------------------------------------------------------------------------


@dataclass
class Hold:
    """Makes the SMTP server sit on the next message until released (to kill a worker mid-send)."""

    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    after: int = 0  # hold once this many messages were accepted


@dataclass
class Mailbox:
    """What a real SMTP server received, parsed as email messages."""

    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    hold: Hold | None = None
    connections: int = 0  # SMTP sessions opened (EHLO received)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def hold_next(self, *, after: int = 0) -> Hold:
        """The next message (after `after` accepted ones) is held without an answer; once released it is
        dropped, never accepted."""
        self.hold = Hold(after=after)
        return self.hold

    def receive(self, data: bytes) -> None:
        with self._lock:
            self.messages.append(message_from_bytes(data, policy=policy.default))

    def wait_for(self, count: int = 1, timeout: float = 20.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} email(s) within {timeout}s, got {len(self.messages)}")


class _Handler:
    def __init__(self, mailbox: Mailbox, reply: list[str]):
        self.mailbox, self.reply = mailbox, reply

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.mailbox.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        hold = self.mailbox.hold
        if hold is not None and not hold.arrived.is_set() and len(self.mailbox.messages) >= hold.after:
            hold.arrived.set()
            while not hold.released.is_set():
                await asyncio.sleep(0.05)
            # Never answered 250, so the message was not accepted: the sender must send it again.
            return "421 held message dropped"
        if self.reply:  # a test can make the server answer 4xx/5xx
            return self.reply[0]
        self.mailbox.receive(envelope.original_content)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free port, with Django's SMTP backend pointed at it.

    pytest-django forces the locmem backend; this switches back to SMTP.
    `smtp_server.reply` holds an answer to give instead of accepting (e.g. "451 try later").
    """
    from aiosmtpd.controller import Controller

    mailbox = Mailbox(host="127.0.0.1", port=free_port())
    reply: list[str] = []
    controller = Controller(_Handler(mailbox, reply), hostname=mailbox.host, port=mailbox.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = mailbox.host, mailbox.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    mailbox.reply = reply  # type: ignore[attr-defined]
    mailbox.controller = controller  # type: ignore[attr-defined]
    try:
        yield mailbox
    finally:
        controller.stop()


# --- Celery -------------------------------------------------------------------------------


@pytest.fixture
def celery_app(broker_url):
    """The portal's Celery app pointed at a real broker (not in-process): TEST_BROKER_URL."""
    from portal.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=broker_url, task_always_eager=False)
    _reset_connections(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _reset_connections(app)


def _reset_connections(app) -> None:
    """Drop pooled broker connections so the next publish uses the current broker_url."""
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    # Producer pools are cached per broker URL, globally, and would keep using the closed connections.
    app.amqp._producer_pool = None
    pools.reset()


@pytest.fixture
def celery_worker(celery_app, transactional_db):
    """A real Celery worker consuming from Redis in a thread (pool solo)."""
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings

    queues = [settings.CELERY_TASK_DEFAULT_QUEUE, settings.OUTBOX_URGENT_QUEUE]
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=queues) as worker:
        yield worker


class WorkerProcess:
    """A `celery worker` in its own process, so a test can SIGKILL it."""

    def __init__(self, name: str, env: dict[str, str], queues: str = "celery,urgent"):
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"celery-{name}-", suffix=".log", delete=False)  # noqa: SIM115
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "solo", "--loglevel", "INFO"]
        command += ["-Q", queues]
        command += ["-n", f"{name}@%h", "--without-mingle", "--without-gossip", "--without-heartbeat"]
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        with open(self.log.name, errors="replace") as log:
            return log.read()

    def wait_ready(self, timeout: float = 30.0) -> "WorkerProcess":
        deadline = time.monotonic() + timeout
        while " ready." not in self.output():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"worker {self.name} did not start:\n{self.output()[-3000:]}")
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        os.unlink(self.log.name)


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_process(celery_app, transactional_db, smtp_server):
    """Start real worker processes on the test database, Redis and the test SMTP server.

    `worker_process("w1", OUTBOX_RETRY_BASE_SECONDS="0.2")` returns a ready WorkerProcess;
    the data must be committed for it to see it (transactional tests do).
    """
    if connection.vendor != "postgresql":
        missing("worker processes need PostgreSQL: set DATABASE_URL=postgres://…")
    started: list[WorkerProcess] = []

    def start(name: str, queues: str = "celery,urgent", **extra_env: str) -> WorkerProcess:
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": celery_app.conf.broker_url,
            "REDIS_URL": TEST_REDIS_URL,
            "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
            "CONN_MAX_AGE": "0",
            **extra_env,
        }
        worker = WorkerProcess(name, env, queues)
        started.append(worker)
        return worker.wait_ready()

    try:
        yield start
    finally:
        for worker in started:
            worker.stop()


# --- Object storage ------------------------------------------------------------------------

S3_BUCKET = "clinic-media-test"


@pytest.fixture
def s3_storage(settings):
    """Media in an S3-compatible bucket, served over HTTP by moto's S3 server in a thread.

    Why not MinIO, which compose runs: its binary comes from neither PyPI nor Debian, the only registries
    this machine reaches. moto's server speaks the S3 wire protocol to the real boto3 client that
    django-storages uses, so everything above the socket is the production code path.
    """
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # moto keeps one in-memory store per process, across servers: start each test from an empty one.
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST"))
    settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{port}"
    settings.AWS_S3_REGION_NAME = "us-east-1"
    settings.AWS_S3_ACCESS_KEY_ID = "test-only"
    settings.AWS_S3_SECRET_ACCESS_KEY = "test-only"
    settings.AWS_STORAGE_BUCKET_NAME = S3_BUCKET
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "portal.storage.PrivateBucketStorage"}}
    from django.core.files.storage import default_storage

    default_storage.bucket.create()
    try:
        yield default_storage
    finally:
        server.stop()


# --- Browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _chromium():
    if connection.vendor != "postgresql":  # one run is enough: CI's PostgreSQL run, with every service real
        missing("the browser tests run on PostgreSQL: set DATABASE_URL=postgres://…")
    if not shutil.which(CHROMIUM):
        missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Django's connections are per asyncio context: inside Playwright's loop this thread gets other ones.
    # Close each set before switching, or one stays open and blocks dropping the test database.
    connections.close_all()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture
def browser_page(_chromium, live_server):
    """A fresh browser tab (own cookies) whose relative URLs go to the live server."""
    context = _chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def login(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


SCREENSHOTS = os.path.join(os.path.dirname(__file__), "..", "docs", "screenshots")


def screenshot(page, name: str) -> str:
    path = os.path.abspath(os.path.join(SCREENSHOTS, f"{name}.png"))
    page.screenshot(path=path, full_page=True)
    return path


# --- A Redis that can be cut off ------------------------------------------------------------------


class RedisLink:
    """A TCP proxy in front of the test Redis: `cut()` drops every connection and refuses new ones (a network
    partition, with Redis and its data still there), `restore()` lets them through again."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.port = free_port()
        self.up = threading.Event()
        self.up.set()
        self._sockets: list[socket.socket] = []
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", self.port))
        self._server.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                end.close()

    def cut(self) -> None:
        self.up.clear()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._sockets.clear()

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.cut()
        self._server.close()


@pytest.fixture
def redis_link(redis_url, settings, monkeypatch):
    """The site's cache on the test Redis through a RedisLink; the fail-open backend retries after 0.1 s."""
    from urllib.parse import urlsplit

    from portal import cache as portal_cache

    parts = urlsplit(redis_url)
    link = RedisLink(parts.port or 6379)
    monkeypatch.setattr(portal_cache, "RETRY_AFTER", 0.1)
    location = link.url(int(parts.path.strip("/") or 0))
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.PortalRedisCache",
            "LOCATION": location,
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    yield link
    # Left listening: the suite's own teardown (conftest._fresh_cache) still clears the cache through it.
    link.restore()
    time.sleep(0.15)  # past the backend's retry pause
