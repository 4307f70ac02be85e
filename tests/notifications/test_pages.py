"""The bell in the top bar and the notifications page: counts, marking read, who sees what,
where a notification's link may lead, and what the pages cost in queries."""

import re

import sqlalchemy as sa

from crm.models import Organization
from tests.helpers import counted
from tests.helpers import tenant
from tests.helpers import text_of
from tests.notifications.support import ADMIN
from tests.notifications.support import HX
from tests.notifications.support import REP
from tests.notifications.support import add_notifications
from tests.notifications.support import is_read
from tests.notifications.support import notifications_of


def _bell(html: str) -> str:
    match = re.search(r'<li id="notification-bell".*?</li>', html, re.S)
    assert match, "the page has a bell"
    return match.group(0)


def _badge(html: str) -> str | None:
    match = re.search(r'class="bell-badge"[^>]*>([^<]*)<', _bell(html))
    return match.group(1) if match else None


def _touching_notifications(statements) -> list[str]:
    return [s for s in statements if re.search(r"\bnotifications\b", s)]


# The bell

def test_the_bell_shows_the_unread_count_with_an_accessible_label(rep_client, org_a):
    add_notifications(org_a, REP, 3)
    add_notifications(org_a, REP, 2, read=True, prefix="Old")
    html = rep_client.get("/acme/leads/").get_data(as_text=True)
    assert _badge(html) == "3"
    assert 'aria-label="Notifications, 3 unread"' in _bell(html)
    assert 'href="/acme/notifications/"' in _bell(html)


def test_the_bell_counts_only_the_members_own_unread_notifications(rep_client, admin_a, org_a):
    add_notifications(org_a, ADMIN, 4)
    html = rep_client.get("/acme/leads/").get_data(as_text=True)
    assert _badge(html) is None, "nothing unread: no badge"
    assert 'aria-label="Notifications, 0 unread"' in _bell(html)
    assert _badge(admin_a.get("/acme/leads/").get_data(as_text=True)) == "4"


def test_the_bell_fragment_polls_and_reloads_on_notifications_changed(rep_client, org_a):
    bell = _bell(rep_client.get("/acme/leads/").get_data(as_text=True))
    assert 'hx-get="/acme/notifications/bell"' in bell
    assert "every 30s" in bell and "notifications-changed from:body" in bell
    add_notifications(org_a, REP, 2)
    fragment = rep_client.get("/acme/notifications/bell", headers=HX)
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert html.strip().startswith('<li id="notification-bell"') and "<html" not in html
    assert _badge(html) == "2"
    assert fragment.headers["Cache-Control"] == "no-store"


def test_a_large_count_reads_99_plus(rep_client, org_a):
    add_notifications(org_a, REP, 120)
    html = rep_client.get("/acme/notifications/bell").get_data(as_text=True)
    assert _badge(html) == "99+" and 'aria-label="Notifications, 120 unread"' in html


def test_no_bell_for_anonymous_visitors_or_outside_an_organization(client, org_a):
    assert 'id="notification-bell"' not in client.get("/login").get_data(as_text=True)
    client.login(REP)
    assert 'id="notification-bell"' not in client.get("/organizations").get_data(as_text=True)
    assert 'id="notification-bell"' in client.get("/acme/").get_data(as_text=True)


def test_the_bell_costs_one_query_on_a_page_and_in_its_fragment(rep_client, org_a):
    add_notifications(org_a, REP, 30)
    for url, headers in (("/acme/leads/", {}), ("/acme/", {}), ("/acme/notifications/bell", HX)):
        with counted() as statements:
            assert rep_client.get(url, headers=headers).status_code == 200
        assert len(_touching_notifications(statements)) == 1, (url, _touching_notifications(statements))
    with counted() as statements:
        rep_client.get("/acme/leads/", headers={**HX, "HX-Target": "results"})
    assert _touching_notifications(statements) == [], "an htmx fragment has no top bar and costs nothing"


# The page

def test_the_page_lists_newest_first_with_unread_marked_and_time_in_the_org_timezone(rep_client, org_a):
    with tenant(org_a) as s:
        s.get(Organization, org_a.id).timezone = "Asia/Tokyo"
        s.commit()
    add_notifications(org_a, REP, 1, read=True, prefix="Seen")
    add_notifications(org_a, REP, 2, prefix="Fresh", start=5)
    response = rep_client.get("/acme/notifications/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = text_of(response)
    assert text.index("Fresh 6") < text.index("Fresh 5") < text.index("Seen 0")
    assert "2 unread." in text
    [seen] = [n for n in notifications_of(org_a, REP) if n["message"] == "Seen 0"]
    fresh = [n["id"] for n in notifications_of(org_a, REP) if n["read"] is False]
    for notification_id in fresh:
        assert f'id="notification-{notification_id}" class="notification unread"' in html
    assert f'id="notification-{seen["id"]}" class="notification"' in html
    assert html.count(">Mark as read<") == 2, "only unread rows offer it"
    assert f'href="/acme/notifications/{seen["id"]}"' in html, "the message links through the mark-read redirect"
    with tenant(org_a) as s:
        from crm.models import Notification
        created = s.get(Notification, seen["id"]).created_at
    from zoneinfo import ZoneInfo
    from crm import clock
    local = clock.aware(created).astimezone(ZoneInfo("Asia/Tokyo")).strftime("%-d %b %Y, %H:%M")
    assert local in text


def test_an_empty_page_says_what_will_appear_here(rep_client, org_a):
    text = text_of(rep_client.get("/acme/notifications/"))
    assert "No notifications yet" in text and "Nothing unread." in text and "Mark all as read" not in text


def test_the_page_shows_50_and_links_to_older_ones(rep_client, org_a):
    add_notifications(org_a, REP, 120)
    first = rep_client.get("/acme/notifications/")
    html = first.get_data(as_text=True)
    assert len(re.findall(r'<li id="notification-\d+"', html)) == 50
    assert "Note 119" in html and "Note 70" in html and "Note 69<" not in html
    older = re.search(r'href="(/acme/notifications/\?before=\d+)">Older notifications', html).group(1)
    second = rep_client.get(older).get_data(as_text=True)
    assert "Note 69<" in second and "Note 20<" in second and "Note 70<" not in second and "Note 19<" not in second
    third_url = re.search(r'href="(/acme/notifications/\?before=\d+)">Older notifications', second).group(1)
    third = rep_client.get(third_url).get_data(as_text=True)
    assert len(re.findall(r'<li id="notification-\d+"', third)) == 20 and "Note 0<" in third
    assert "Older notifications" not in third and "Newest notifications" in third


def test_a_bad_cursor_shows_the_newest_page_or_nothing_never_an_error(rep_client, org_a):
    add_notifications(org_a, REP, 3)
    for value in ("abc", "-1", "0", "99999999999999999999999", "1%00", "٣"):
        response = rep_client.get(f"/acme/notifications/?before={value}")
        assert response.status_code == 200, value
        assert "Note 2" in text_of(response), value
    unknown = rep_client.get("/acme/notifications/?before=987654321")
    assert unknown.status_code == 200 and "No older notifications." in text_of(unknown)


def test_the_page_costs_the_same_queries_with_1_or_50_notifications(rep_client, org_a):
    add_notifications(org_a, REP, 1)
    with counted() as few:
        rep_client.get("/acme/notifications/")
    add_notifications(org_a, REP, 60, start=1)
    with counted() as many:
        assert "Note 60" in rep_client.get("/acme/notifications/").get_data(as_text=True)
    assert len(many) == len(few)
    assert len(_touching_notifications(many)) == 2, "the page and its count; the bell reuses the count"


# Marking read

def test_mark_as_read_swaps_the_row_and_updates_the_bell_out_of_band(rep_client, org_a):
    first, second = add_notifications(org_a, REP, 2)
    response = rep_client.post(f"/acme/notifications/{first}/read", headers=HX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<li id="notification-{first}" class="notification">')
    assert "Mark as read" not in html.split("</li>")[0]
    assert 'id="notification-bell"' in html and 'hx-swap-oob="outerHTML"' in _bell(html)
    assert _badge(html) == "1" and "Notifications, 1 unread" in html
    assert 'id="notifications-summary"' in html and "1 unread." in text_of(response)
    assert is_read(org_a, first) and not is_read(org_a, second)


def test_mark_as_read_without_javascript_comes_back_to_the_page(rep_client, org_a):
    [only] = add_notifications(org_a, REP, 1)
    response = rep_client.post(f"/acme/notifications/{only}/read")
    assert response.status_code == 303 and response.location.endswith("/acme/notifications/")
    assert is_read(org_a, only)
    assert rep_client.post(f"/acme/notifications/{only}/read").status_code == 303, "twice is harmless"


def test_mark_all_as_read(rep_client, org_a):
    add_notifications(org_a, REP, 3)
    others = add_notifications(org_a, ADMIN, 2)
    response = rep_client.post("/acme/notifications/read", headers=HX)
    assert response.status_code == 200
    assert "Marked 3 notifications as read." in response.headers["HX-Trigger"]
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="notifications"') and "Nothing unread." in text_of(response)
    assert _badge(html) is None and "Notifications, 0 unread" in html
    assert all(n["read"] for n in notifications_of(org_a, REP))
    assert not any(is_read(org_a, i) for i in others), "another member's stay unread"
    again = rep_client.post("/acme/notifications/read")
    assert again.status_code == 303
    assert "There were no unread notifications." in text_of(rep_client.get(again.location))


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(rep_client, org_a):
    [only] = add_notifications(org_a, REP, 1, link="/acme/leads/?owner=1")
    response = rep_client.get(f"/acme/notifications/{only}")
    assert response.status_code == 303 and response.location.endswith("/acme/leads/?owner=1")
    assert is_read(org_a, only)


def test_a_link_off_this_organization_is_never_followed(rep_client, org_a):
    bad = ["https://evil.example/acme/", "//evil.example/acme/", "/\\evil.example", "/bravo/leads/",
           "javascript:alert(1)", "/acme", "/acme/\nSet-Cookie: x", "acme/leads/", "/acme\\..\\..\\evil"]
    ids = [add_notifications(org_a, REP, 1, link=link, prefix=f"Bad{i}")[0] for i, link in enumerate(bad)]
    html = rep_client.get("/acme/notifications/").get_data(as_text=True)
    for notification_id in ids:
        assert f'href="/acme/notifications/{notification_id}"' not in html, "no link is offered"
        response = rep_client.get(f"/acme/notifications/{notification_id}")
        assert response.status_code == 303 and response.location.endswith("/acme/notifications/"), response.location
        assert is_read(org_a, notification_id)


# Who sees what

def test_another_members_notification_is_404_everywhere(rep_client, org_a):
    [theirs] = add_notifications(org_a, ADMIN, 1, prefix="Private")
    assert "Private" not in rep_client.get("/acme/notifications/").get_data(as_text=True)
    assert rep_client.get(f"/acme/notifications/{theirs}").status_code == 404
    assert rep_client.post(f"/acme/notifications/{theirs}/read", headers=HX).status_code == 404
    assert rep_client.get(f"/acme/notifications/?before={theirs}").status_code == 200
    assert not is_read(org_a, theirs)


def test_another_organizations_notification_is_404(app, org_a, org_b):
    [theirs] = add_notifications(org_b, "admin@bravo.example", 1, prefix="Bravo", link="/bravo/leads/")
    client = app.test_client()
    client.login(ADMIN)
    assert client.get(f"/acme/notifications/{theirs}").status_code == 404
    assert client.post(f"/acme/notifications/{theirs}/read").status_code == 404
    assert "Bravo" not in client.get("/acme/notifications/").get_data(as_text=True)
    assert not is_read(org_b, theirs)


def test_bad_ids_are_404_not_errors(rep_client, org_a):
    for value in ("0", "99999999999999999999999", "abc", "-3"):
        assert rep_client.get(f"/acme/notifications/{value}").status_code == 404, value
        assert rep_client.post(f"/acme/notifications/{value}/read").status_code in (404, 405), value


def test_every_default_role_may_open_its_notifications(app, org_a):
    for email in ("sales.rep@acme.example", "sales.manager@acme.example", "marketing.manager@acme.example", ADMIN):
        client = app.test_client()
        client.login(email)
        assert client.get("/acme/notifications/").status_code == 200, email
        assert client.get("/acme/notifications/bell").status_code == 200, email


def test_anonymous_visitors_are_sent_to_sign_in(client, org_a):
    assert client.get("/acme/notifications/").status_code == 302
    bell = client.get("/acme/notifications/bell", headers=HX)
    assert bell.status_code == 401 and "/login" in bell.headers["HX-Redirect"]
