"""Steps the browser tests share: signing in, checking that htmx swapped instead of reloading."""

import re

from playwright.sync_api import expect

from tests.helpers import PASSWORD

MOBILE = {"width": 390, "height": 800}


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the form, as a person would."""
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_directly(page, email: str, password: str = PASSWORD, then: str = "/") -> None:
    """Sign in over HTTP with the page's cookies (no form filling), then open ``then``.

    For tests about something else: test_auth covers the sign-in form itself.
    """
    form = page.request.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.text())
    assert token, "no CSRF token on /login"
    response = page.request.post("/login", form={"csrf_token": token.group(1), "email": email, "password": password},
                                 max_redirects=0)
    assert response.status == 302, f"sign-in as {email} failed: {response.status}"
    page.goto(then)


def mark_page(page) -> None:
    """Set a marker on ``window``: it survives an htmx swap but not a full page load."""
    page.evaluate("window.__noFullReload = true")


def assert_no_full_reload(page) -> None:
    assert page.evaluate("window.__noFullReload === true"), "the page was reloaded instead of swapped by htmx"


def wait_for_htmx_to_settle(page) -> None:
    """Until no htmx request, swap or settle is under way: an element swapped in a moment ago
    listens for its triggers only once htmx has processed it."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, "
                           ".htmx-added')")


def expect_toast(page, text: str) -> None:
    """The toast that app.js shows for an ``HX-Trigger: {"toast": ...}`` response header."""
    expect(page.locator("#toasts .toast", has_text=text)).to_be_visible()


def expect_refused(page) -> None:
    """The 403 page a role without the permission gets."""
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(alert).to_contain_text("Your role does not allow this")
