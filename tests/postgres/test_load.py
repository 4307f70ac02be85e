"""Under concurrent load, through the real server, every organization sees only itself.

Ten organizations, each with one administrator, are signed in over HTTP to gunicorn (two
worker processes, each with its own connection pool, all connecting as the app role). A
few thousand requests from a thread pool, rotating over the ten, must each show the admin
list of exactly its own organization: a setting left on a pooled connection, or a tenant
context left in a worker, would show up as another organization's email or as an error.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor
from urllib.request import HTTPRedirectHandler
from urllib.request import build_opener

import pytest

from crm.extensions import db
from tests.conftest import pg_urls
from tests.helpers import PASSWORD
from tests.helpers import make_org

pytestmark = pytest.mark.postgres

ORGS = 10
REQUESTS = 3000
THREADS = 12
ROOT = Path(__file__).resolve().parents[2]
CSRF_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
VALUE = re.compile(r'\bvalue="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(proc: subprocess.Popen, port: int, log: Path, attempts: int = 300) -> None:
    """Bounded: up to ``attempts`` tries, each waiting at most 0.1 s on the process itself."""
    for _ in range(attempts):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            pass
        try:
            proc.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
    pytest.fail(f"gunicorn did not listen on 127.0.0.1:{port}:\n{log.read_text()[-4000:]}")


@pytest.fixture
def gunicorn(app, tmp_path):
    """gunicorn -w 2 on a free port of 127.0.0.1, connecting as the app role; stopped after."""
    app_url, _ = pg_urls()
    port = _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("FLASK_DEBUG", "REDIS_URL", "MIGRATION_DATABASE_URL", "MAIL_SERVER")}
    env.update(DATABASE_URL=app_url, SECRET_KEY=secrets.token_hex(32), SECURE_COOKIES="0")
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "5", "wsgi:app"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(proc, port, log)
        yield f"http://127.0.0.1:{port}", log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 (to the login page, say) is reported as such, not followed


def _sign_in(base: str, email: str):
    """A browser of its own (cookie jar), signed in through the real login form."""
    jar = CookieJar()
    browser = build_opener(HTTPCookieProcessor(jar), _NoRedirect())
    with browser.open(f"{base}/login", timeout=30) as response:
        page = response.read().decode()
    tag = CSRF_INPUT.search(page)
    assert tag, "no csrf_token input on the login page"
    token = VALUE.search(tag.group(0)).group(1)
    form = urlencode({"csrf_token": token, "email": email, "password": PASSWORD}).encode()
    with pytest.raises(HTTPError) as redirect:
        browser.open(f"{base}/login", data=form, timeout=30)
    assert redirect.value.code == 302, f"{email}: {redirect.value.code} {redirect.value.read()[:2000]!r}"
    assert "/login" not in redirect.value.headers["Location"]
    return browser


@pytest.fixture
def ten_orgs(app) -> list[tuple[str, str]]:
    """(slug, admin email) of ten committed organizations; the test keeps no connection open."""
    orgs = []
    for i in range(ORGS):
        org, admin = make_org(f"load{i:02d}", f"admin{i:02d}@load{i:02d}.example", f"Load Test {i:02d}")
        orgs.append((org.slug, admin.email))
    db.session.commit()
    db.session.remove()
    db.engine.dispose()
    return orgs


def test_thousands_of_concurrent_requests_never_cross_organizations(ten_orgs, gunicorn):
    base, log = gunicorn
    browsers = [_sign_in(base, email) for slug, email in ten_orgs]
    emails = [email for _, email in ten_orgs]

    def fetch(n: int) -> str | None:
        i = n % ORGS
        slug, own = ten_orgs[i]
        try:
            with browsers[i].open(f"{base}/{slug}/admin/members", timeout=60) as response:
                status, body = response.status, response.read().decode()
        except HTTPError as error:
            status, body = error.code, error.read().decode(errors="replace")
        if status != 200:
            return f"request {n} as {own}: HTTP {status}"
        if own not in body:
            return f"request {n} as {own}: own email missing"
        leaked = [e for e in emails if e != own and e in body]
        if leaked:
            return f"request {n} as {own}: shows {leaked}"
        return None

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(fetch, range(REQUESTS)))
    problems = [r for r in results if r is not None]
    assert len(results) == REQUESTS
    assert problems == [], f"{len(problems)} bad responses, first: {problems[:10]}\n{log.read_text()[-3000:]}"
