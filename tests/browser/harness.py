"""Browser harness: the real app served over http on 127.0.0.1, driven by Debian's chromium.

* ``live_server``: a fresh app (its own migrated SQLite DB from ``app_config``) served by
  werkzeug in a thread, plus helpers to seed data and read the outbox.
* ``browser``: one chromium per session (never ``playwright install``: we use /usr/bin/chromium).
* ``page`` / ``new_page``: a new browser context per page, so every page is a separate person
  with its own cookies. JavaScript errors and CSP violations fail the test.
"""

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler
from werkzeug.serving import make_server

from crm import clock
from crm import create_app
from crm.extensions import db
from tests.conftest import ON_POSTGRES
from tests.conftest import _truncate_all

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", "--disable-sync"]
# How long expect() and actions wait: a local server answers in milliseconds, but a busy
# 2-core machine can take a second to lay out a page.
EXPECT_TIMEOUT_MS = 10_000


class _RequestLog(WSGIRequestHandler):
    """Werkzeug's request log without the static files: a failing test prints what matters."""

    def log_request(self, code="-", size="-"):
        if not self.path.startswith("/static/"):
            super().log_request(code, size)


class LiveServer:
    """The app running in a werkzeug thread; ``url`` is its http://127.0.0.1:<port> root."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_RequestLog)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # A short poll interval: shutdown() waits for the loop to notice, 0.5 s by default.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="live-server", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @contextmanager
    def seeding(self) -> Iterator[None]:
        """Briefly enter the live app's context to create data with tests.helpers, then leave."""
        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    @property
    def outbox(self) -> list:
        """Emails the app "sent" (no MAIL_SERVER: crm.mail appends EmailMessage objects here)."""
        return self.app.extensions.setdefault("crm_outbox", [])

    def invitation_link(self, email: str) -> str:
        """The link in the latest invitation email to ``email`` (its host is the one the admin used)."""
        messages = [m for m in self.outbox if m["To"] == email]
        assert messages, f"no email was sent to {email}; outbox: {[m['To'] for m in self.outbox]}"
        text = messages[-1].get_body(preferencelist=("plain",)).get_content()
        match = re.search(r"https?://\S+/invitations/\S+", text)
        assert match, f"no invitation link in:\n{text}"
        return match.group(0)


@pytest.fixture
def live_server(app_config, database) -> Iterator[LiveServer]:
    config = dict(app_config)
    config.pop("SERVER_NAME", None)  # links and cookies follow the real host (127.0.0.1:<port>)
    config.update({
        "SESSION_COOKIE_SECURE": False,  # plain http: a Secure cookie would never come back
        "REMEMBER_COOKIE_SECURE": False,
        "PREFERRED_URL_SCHEME": "http",
    })
    app = create_app(config)
    server = LiveServer(app)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        clock.reset()
        if ON_POSTGRES:  # as the in-process ``app`` fixture does
            _truncate_all(database["owner_url"])


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# The one console error a working page may print: the browser reports every 4xx response
# (a 403 page, a 422 form) as a failed resource load. A 5xx is a problem.
_EXPECTED_CONSOLE = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a new browser context (a separate person); all closed at teardown."""
    contexts, problems = [], []

    def open_page(viewport: dict | None = None):
        context = browser.new_context(base_url=live_server.url, viewport=viewport or {"width": 1280, "height": 800})
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        contexts.append(context)
        # On the context, so that tabs a test opens with context.new_page() are watched too.
        context.on("weberror", lambda error: problems.append(f"JS error on {error.page.url if error.page else '?'}: {error.error}"))
        context.on("console", lambda msg: problems.append(f"console error on {msg.page.url if msg.page else '?'}: {msg.text}")
                   if msg.type == "error" and not _EXPECTED_CONSOLE.match(msg.text) else None)
        return context.new_page()

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    return new_page()

