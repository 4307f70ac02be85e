"""What ``make bench`` times: requests through the app's WSGI stack, as one signed-in member.

Flask's test client calls the WSGI app directly (no sockets), so a timing covers everything
the server does for a request: routing, the session and membership lookups, permission
checks, the queries (as the app role, under row-level security) and rendering the HTML.

Later issues add scenarios to ``SCENARIOS``: a name, a target p95 in milliseconds, and a
function that returns the (url, headers) of the i-th request.
"""

import math
import re
import statistics
import time
from dataclasses import dataclass
from typing import Callable

from bench import seed
from crm.services import demo

ORG = seed.SLUG.format(42)  # also the pipeline's organization (bench/seed_pipeline.py)
USER = f"admin@{ORG}.example"
OWNER = f"member1@{ORG}.example"  # a sales rep: the owner filter's scenarios
MEMBERS: dict[str, int] = {}  # email -> user id, filled in by run_all (ids differ from one seed to the next)


def _prefixes() -> list[str]:
    """What people type into the search box, a few letters at a time: names and companies."""
    words = [*demo.LAST_NAMES[::3], *demo.FIRST_NAMES[::5], *demo.COMPANY_WORDS[::4]]
    prefixes = []
    for i, word in enumerate(words):
        word = re.sub(r"[^a-z]", "", word.lower())
        prefixes.append(word[: 2 + i % 4])
    return prefixes


PREFIXES = _prefixes()


@dataclass
class Scenario:
    name: str
    target_p95_ms: float
    request: Callable[[int], tuple[str, dict]]
    expect: str  # text every response must contain (a sanity check that real rows came back)


SCENARIOS = [
    Scenario("lead_list", 50, lambda i: (f"/{ORG}/leads/?status=working&sort=-created_at", {}), 'id="results"'),
    Scenario("lead_search_fragment", 30,
             lambda i: (f"/{ORG}/leads/?q={PREFIXES[i % len(PREFIXES)]}",
                        {"HX-Request": "true", "HX-Target": "results", "HX-Current-URL": f"https://localhost/{ORG}/leads/"}),
             'id="results"'),
    # The pipeline organization (bench/seed_pipeline.py): 10,000 deals, 2,000 of them open.
    Scenario("dashboard", 100, lambda i: (f"/{ORG}/", {}), 'id="dashboard-figures"'),
    Scenario("dashboard_owner", 100, lambda i: (f"/{ORG}/?owner={MEMBERS[OWNER]}", {}), 'id="dashboard-figures"'),
    Scenario("board", 100, lambda i: (f"/{ORG}/opportunities/board", {}), 'id="board-columns"'),
]


def sign_in(app):
    """A client with a session, signed in through the login form (CSRF token and all)."""
    client = app.test_client()
    page = client.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      page.get_data(as_text=True))
    data = {"email": USER, "password": seed.PASSWORD, "csrf_token": next(g for g in token.groups() if g)}
    response = client.post("/login", data=data, base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"})
    if response.status_code != 302:
        raise SystemExit(f"could not sign in as {USER}: {response.status_code}")
    return client


def time_scenario(client, scenario: Scenario, requests: int, warmup: int) -> list[float]:
    timings = []
    for i in range(warmup + requests):
        url, headers = scenario.request(i)
        started = time.perf_counter()
        response = client.get(url, headers=headers, base_url="https://localhost")
        body = response.get_data()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or scenario.expect.encode() not in body:
            raise SystemExit(f"{scenario.name}: {url} answered {response.status_code}")
        if i >= warmup:
            timings.append(elapsed)
    return timings


def percentile(values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _member_ids(app) -> dict[str, int]:
    import sqlalchemy as sa

    from crm.extensions import db
    from crm.models import User

    with app.app_context():
        return dict(db.session.execute(sa.select(User.email, User.id).where(User.email.in_([USER, OWNER]))).all())


def run_all(app, requests: int, warmup: int, only: list[str] | None, log):
    MEMBERS.update(_member_ids(app))
    client = sign_in(app)
    for scenario in SCENARIOS:
        if only and scenario.name not in only:
            continue
        timings = time_scenario(client, scenario, requests, warmup)
        log(f"{scenario.name}: {len(timings)} requests, mean {statistics.mean(timings):.1f} ms")
        yield {"scenario": scenario.name, "metric": "requests", "value": len(timings), "unit": "count", "target": None}
        for metric, value, target in (("p50", statistics.median(timings), None),
                                      ("p95", percentile(timings, 95), scenario.target_p95_ms),
                                      ("max", max(timings), None)):
            yield {"scenario": scenario.name, "metric": metric, "value": round(value, 2), "unit": "ms",
                   "target": target}
