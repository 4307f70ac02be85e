"""Accounts: sign up, sign in and out, throttling, session and cookie hygiene, passwords."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from crm import clock
from crm import create_app
from crm.extensions import db
from crm.models import Membership
from crm.models import Organization
from crm.models import User
from crm.services.passwords import hash_password
from tenants.context import org_context
from tenants.context import unscoped
from tests.helpers import PASSWORD
from tests.helpers import text_of

SIGNUP = {"name": "Dana Scully", "email": "dana@example.com", "password": "a sound passphrase",
          "org_name": "Scully Consulting", "slug": "scully", "currency": "EUR"}


def _counts():
    with unscoped():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(User)),
                db.session.scalar(sa.select(sa.func.count()).select_from(Organization)))


def test_sign_up_creates_the_organization_and_its_first_administrator(client):
    response = client.post("/signup", data=SIGNUP)
    assert response.status_code == 302 and response.location.endswith("/scully/")
    page = client.get("/scully/")
    assert "Scully Consulting" in text_of(page) and "Administrator" in text_of(page)
    org = db.session.scalar(sa.select(Organization).where(Organization.slug == "scully"))
    assert org.currency == "EUR"


@pytest.mark.parametrize("change, field_message", [
    ({"password": "short"}, "at least 12 characters"),
    ({"password": "aaaaaaaaaaaaaaaa"}, "too few characters"),
    ({"email": "not-an-email"}, "not valid"),
    ({"slug": "admin"}, "reserved"),
    ({"slug": "login"}, "reserved"),
    ({"slug": "static"}, "reserved"),
    ({"slug": "-bad-"}, "lowercase letters"),
    ({"org_name": "x" * 121}, "120"),
    ({"name": "n" * 121}, "120"),
    ({"email": "a" * 250 + "@example.com"}, "254"),
])
def test_sign_up_refuses_bad_input_with_a_message_and_writes_nothing(client, change, field_message):
    before = _counts()
    response = client.post("/signup", data={**SIGNUP, **change})
    assert response.status_code == 422
    assert field_message in text_of(response)
    assert _counts() == before


def test_sign_up_refuses_a_taken_slug_and_a_duplicate_email(client, org_a):
    before = _counts()
    taken = client.post("/signup", data={**SIGNUP, "slug": "acme"})
    assert taken.status_code == 422 and "already taken" in text_of(taken)
    duplicate = client.post("/signup", data={**SIGNUP, "email": "ADMIN@acme.example "})
    assert duplicate.status_code == 422 and "already exists" in text_of(duplicate)
    assert _counts() == before


def test_log_in_lands_in_the_organization_and_log_out_ends_the_session(client, org_a):
    response = client.login("admin@acme.example")
    assert response.location.endswith("/acme/")
    assert client.get("/acme/admin/members").status_code == 200
    client.logout()
    response = client.get("/acme/admin/members")
    assert response.status_code == 302 and "/login" in response.location


def test_wrong_password_is_refused_with_a_clear_message(client, org_a):
    response = client.login("admin@acme.example", "wrong password here")
    assert response.status_code == 422
    assert "do not match" in text_of(response)
    unknown = client.login("nobody@acme.example", "wrong password here")
    assert unknown.status_code == 422 and "do not match" in text_of(unknown)


def test_login_only_follows_local_next_links(client, org_a):
    response = client.post("/login?next=https://evil.example/", data={"email": "admin@acme.example", "password": PASSWORD})
    assert response.location.endswith("/acme/")
    client.logout()
    response = client.post("/login?next=/acme/admin/roles", data={"email": "admin@acme.example", "password": PASSWORD})
    assert response.location.endswith("/acme/admin/roles")


def _session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def test_session_id_changes_at_login_and_logout_and_an_old_cookie_dies(client, other_client, org_a):
    client.get("/login")
    client.csrf_token()
    anonymous = _session_cookie(client)
    client.login("admin@acme.example")
    signed_in = _session_cookie(client)
    assert signed_in != anonymous
    # A copy of the signed-in cookie (a stolen one, say) works until logout ...
    other_client.set_cookie("session", signed_in, domain="localhost")
    assert other_client.get("/acme/admin/members").status_code == 200
    client.logout()
    assert _session_cookie(client) not in (signed_in, anonymous)
    # ... and not after it: logout deleted the server-side session.
    assert other_client.get("/acme/admin/members").status_code == 302
    client.login("admin@acme.example")
    assert _session_cookie(client) != signed_in


def test_cookies_are_secure_httponly_and_samesite_lax(client, org_a):
    response = client.login("admin@acme.example", remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    assert {c.split("=")[0] for c in cookies} >= {"session", "remember_token"}
    for cookie in cookies:
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


def test_production_config_defaults_to_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.delenv("SECURE_COOKIES", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_app_refuses_to_start_without_a_secret_key_outside_debug(monkeypatch, tmp_path):
    from crm.config import ConfigError

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_remember_me_survives_a_lost_session_cookie_until_logout(client, org_a):
    client.login("admin@acme.example", remember="y")
    client.delete_cookie("session", domain="localhost")
    assert client.get("/acme/admin/members").status_code == 200
    client.logout()
    assert client.get("/acme/admin/members").status_code == 302


def test_passwords_are_hashed_with_argon2id_at_owasp_cost(client):
    client.post("/signup", data=SIGNUP)
    stored = db.session.scalar(sa.select(User.password_hash).where(User.email == "dana@example.com"))
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert SIGNUP["password"] not in stored
    assert hash_password("x" * 12) != hash_password("x" * 12), "salted"


def test_a_burst_of_wrong_passwords_locks_the_account_then_the_window_passes(app, client, org_a):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert client.login("admin@acme.example", "wrong password here").status_code == 422
    locked = client.login("admin@acme.example", "wrong password here")
    assert locked.status_code == 429
    assert "Too many wrong passwords for this account" in text_of(locked)
    assert "minutes" in text_of(locked)
    # Even the right password waits for the window, or the lock would be no lock.
    assert client.login("admin@acme.example").status_code == 429
    # Other accounts are not locked by it.
    assert client.login("sales.rep@acme.example").status_code == 302
    client.logout()
    clock.travel(timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"], seconds=1))
    assert client.login("admin@acme.example").status_code == 302


def test_one_address_guessing_many_accounts_is_throttled(app, client, org_a):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 4
    for i in range(4):
        client.login(f"guess{i}@acme.example", "wrong password here")
    response = client.login("admin@acme.example")
    assert response.status_code == 429 and "your network address" in text_of(response)


def test_deactivated_member_cannot_enter_that_organization(client, org_a):
    from tests.helpers import add_member

    add_member(org_a, "gone@acme.example", "Sales Rep", active=False)
    client.login("gone@acme.example")
    response = client.get("/acme/")
    assert response.status_code == 403 and "deactivated" in text_of(response)


def test_organization_switcher_lists_every_active_membership(client, org_a, org_b):
    from tests.helpers import add_member

    with unscoped():
        user = db.session.scalar(sa.select(User).where(User.email == "admin@acme.example"))
    add_member(org_b, "", "Sales Rep", user=user)
    response = client.login("admin@acme.example")
    assert response.location.endswith("/orgs"), "several organizations: choose one"
    page = text_of(client.get("/orgs"))
    assert "Acme Inc" in page and "Bravo GmbH" in page
    assert client.get("/bravo/").status_code == 200
    assert client.get("/bravo/admin/members").status_code == 403, "Sales Rep in Bravo"
    switcher = text_of(client.get("/acme/"))
    assert "Bravo GmbH" in switcher
    with unscoped(), org_context(None, user.id):
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(Membership.user_id == user.id)) == 2
