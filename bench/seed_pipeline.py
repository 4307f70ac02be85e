"""The pipeline's benchmark data, added to the lead seed (bench/seed.py) of the organization
the scenarios sign in to, and a little to ten others so that row-level security has rows to
hide on every pipeline query.

The timed organization gets eight stages (the six a sign-up creates, plus "Demo" and
"Contract Sent"), 10,000 deals (one in five open, the rest won or lost over the last two
years), their stage history, line items for a third of them and 100,000 interactions on its
companies, contacts, leads and deals. Ten other organizations get 1,000 deals each with the
six default stages. Deals of all eleven are interleaved in heap order.

Like the lead seed, rows are made by ``INSERT ... SELECT`` over ``generate_series`` on the
owner connection, in one transaction (84 s at a load average of 5.5 on two cores). The seed's interactions are the
only ones with an ``outcome``, which is how both seeds count their own.
"""

import time

import sqlalchemy as sa

from bench import seed
from crm.services import demo
from crm.services import demo_pipeline

PIPELINE_SLUG = seed.SLUG.format(42)
OTHER_SLUGS = tuple(seed.SLUG.format(n) for n in range(1, 11))
DEALS = 10_000
OTHER_DEALS = 1_000
OPEN_EVERY = 5  # one deal in five is open: 2,000 on the board
WON_PERCENT = 40
INTERACTIONS = 100_000
# The timed organization's stages in order; the two open ones sign-up does not create.
EXTRA_STAGES = (("Demo", 40, 10), ("Contract Sent", 90, 7))
STAGE_ORDER = ("Prospecting", "Qualification", "Demo", "Proposal", "Negotiation", "Contract Sent", "Closed Won",
               "Closed Lost")
OUTCOMES = ("Left a voicemail", "Agreed on next steps", "Sent the proposal", "Booked a demo",
            "Asked for a discount", "Needs sign-off from finance", "Connected with the decision maker")
TWO_YEARS_MINUTES = 2 * 365 * 24 * 60


def expected_counts() -> dict[str, int]:
    return {"opportunities": DEALS + len(OTHER_SLUGS) * OTHER_DEALS,
            "products": (1 + len(OTHER_SLUGS)) * len(demo_pipeline.PRODUCTS),
            "pipeline_stages": len(STAGE_ORDER), "interactions": INTERACTIONS}


def current_counts(conn) -> dict[str, int]:
    """Opportunities and products of every organization; stages of the timed one; the seed's interactions."""
    return {
        "opportunities": conn.scalar(sa.text("SELECT count(*) FROM opportunities")),
        "products": conn.scalar(sa.text("SELECT count(*) FROM products")),
        "pipeline_stages": conn.scalar(sa.text(
            "SELECT count(*) FROM pipeline_stages s JOIN organizations o ON o.id = s.org_id WHERE o.slug = :slug"),
            {"slug": PIPELINE_SLUG}),
        "interactions": conn.scalar(sa.text("SELECT count(*) FROM interactions WHERE outcome IS NOT NULL")),
    }


def _hash(column: str, m: int) -> str:
    """A cheap, deterministic spread of an integer column (as in bench/seed.py)."""
    return f"((({column})::bigint * (2654435761 + {m})) % 2147483647)"


def _pick(array: str, column: str, m: int) -> str:
    return f"(%({array})s::text[])[1 + {_hash(column, m)} % cardinality(%({array})s::text[])]"


def _statements() -> list[tuple[str, str, dict]]:
    """(label, SQL, parameters) in dependency order."""
    companies = seed.PER_ORG["companies"]
    members = seed.MEMBERS_PER_ORG
    others = len(OTHER_SLUGS)
    # Deal i: even ones belong to the timed organization, odd ones to the others in turn.
    total = DEALS * 2
    assert DEALS == others * OTHER_DEALS, "the interleaving gives every other organization DEALS / 10 deals"
    h = _hash
    params = {
        "pipeline": PIPELINE_SLUG, "slugs": [PIPELINE_SLUG, *OTHER_SLUGS], "order": list(STAGE_ORDER),
        "extra_names": [s[0] for s in EXTRA_STAGES], "extra_probabilities": [s[1] for s in EXTRA_STAGES],
        "extra_days": [s[2] for s in EXTRA_STAGES],
        "deal_kind": list(demo_pipeline.DEAL_KINDS), "won_reason": list(demo_pipeline.WON_REASONS),
        "lost_reason": list(demo_pipeline.LOST_REASONS),
        "competitor": [c for c in demo_pipeline.COMPETITORS if c], "source": list(demo_pipeline.SOURCES),
        "product_name": [p[0] for p in demo_pipeline.PRODUCTS], "product_sku": [p[1] for p in demo_pipeline.PRODUCTS],
        "product_price": [p[2] for p in demo_pipeline.PRODUCTS],
        "kind": seed._weighted(demo.INTERACTION_WEIGHTS),
        "subject": [s for kind in ("call", "email", "meeting", "sms") for s in demo.INTERACTIONS[kind][0]],
        "body": list(demo.BODIES), "outcome": list(OUTCOMES),
    }
    statements = [
        ("stages", """
            INSERT INTO pipeline_stages (org_id, name, position, probability, expected_days, kind)
            SELECT o.id, s.name, 0, s.probability, s.days, 'open' FROM organizations o
            CROSS JOIN unnest(%(extra_names)s::text[], %(extra_probabilities)s::int[], %(extra_days)s::int[])
                 s(name, probability, days)
            WHERE o.slug = %(pipeline)s;
            UPDATE pipeline_stages s SET position = array_position(%(order)s::text[], s.name::text) - 1
            FROM organizations o WHERE o.id = s.org_id AND o.slug = %(pipeline)s;
            CREATE TEMP TABLE pipe_stages AS
            SELECT org_id, id, name, kind,
                   CASE kind WHEN 'won' THEN -1 WHEN 'lost' THEN -2
                        ELSE (row_number() OVER (PARTITION BY org_id, kind ORDER BY position) - 1)::int END AS k
            FROM pipeline_stages WHERE org_id IN (SELECT id FROM organizations WHERE slug = ANY(%(slugs)s::text[]));
            CREATE INDEX ON pipe_stages (org_id, k);
            CREATE TEMP TABLE pipe_orgs AS
            SELECT o.id, o.slug = %(pipeline)s AS main,
                   (row_number() OVER (PARTITION BY o.slug = %(pipeline)s ORDER BY o.slug) - 1)::int AS n,
                   (SELECT count(*) FROM pipe_stages s WHERE s.org_id = o.id AND s.kind = 'open')::int AS n_open
            FROM organizations o WHERE o.slug = ANY(%(slugs)s::text[]);
            CREATE TEMP TABLE pipe_members AS
            SELECT m.org_id, (row_number() OVER (PARTITION BY m.org_id ORDER BY m.user_id) - 1)::int AS n, m.user_id
            FROM memberships m JOIN pipe_orgs o ON o.id = m.org_id;
            CREATE INDEX ON pipe_members (org_id, n);
            CREATE TEMP TABLE pipe_companies AS
            SELECT c.org_id, (row_number() OVER (PARTITION BY c.org_id ORDER BY c.id))::int AS rn, c.id, c.name,
                   (SELECT min(ct.id) FROM contacts ct WHERE ct.org_id = c.org_id AND ct.company_id = c.id) AS contact_id
            FROM companies c JOIN pipe_orgs o ON o.id = c.org_id;
            CREATE INDEX ON pipe_companies (org_id, rn);
        """, {}),
        # Open deals: created in the last six months, in stage since a while after, closing in the
        # next twelve. Closed ones: closed over the last two years after a 1-16 week cycle.
        ("deal plan", f"""
            CREATE TEMP TABLE pipe_deals AS
            SELECT nextval('opportunities_id_seq') AS id, g.i, o.id AS org_id, s.k, s.status, s.m, t.created, t.closed,
                   CASE WHEN s.status = 'open' AND s.m = 0 THEN t.created
                        WHEN s.status = 'open'
                        THEN t.created + (now() - t.created) * (0.2 + ({h('g.i', 5)} % 70) / 100.0) END AS entered
            FROM generate_series(0, {total} - 1) g(i)
            JOIN pipe_orgs o ON CASE WHEN g.i % 2 = 0 THEN o.main ELSE NOT o.main AND o.n = (g.i / 2) % {others} END
            CROSS JOIN LATERAL (SELECT n.k, CASE WHEN n.k % {OPEN_EVERY} = 0 THEN 'open'
                                                 WHEN {h('g.i', 7)} % 100 < {WON_PERCENT} THEN 'won' ELSE 'lost' END
                                            AS status, ({h('g.i', 3)} % o.n_open)::int AS m
                                FROM (SELECT CASE WHEN o.main THEN g.i / 2 ELSE g.i / 2 / {others} END AS k) n) s
            CROSS JOIN LATERAL (
                SELECT c.closed, CASE WHEN s.status = 'open'
                                      THEN now() - interval '1 minute' * (60 + {h('g.i', 11)} % (180 * 24 * 60))
                                      ELSE c.closed - interval '1 day' * (7 + {h('g.i', 13)} % 105)
                                           - interval '1 minute' * ({h('g.i', 17)} % 600) END AS created
                FROM (SELECT CASE WHEN s.status <> 'open'
                                  THEN now() - interval '1 minute' * (60 + {h('g.i', 19)} % {TWO_YEARS_MINUTES}) END
                             AS closed) c) t
            ORDER BY g.i;
            CREATE INDEX ON pipe_deals (org_id, k);
            CREATE INDEX ON pipe_deals (id);
        """, {}),
        ("opportunities", f"""
            INSERT INTO opportunities (id, org_id, name, company_id, contact_id, stage_id, value, probability,
                                       expected_close_on, source, owner_id, competitor, close_reason, closed_at,
                                       stage_entered_at, created_at, updated_at, deleted_at, created_by_id)
            SELECT d.id, d.org_id, c.name || ' - ' || {_pick('deal_kind', 'd.i', 23)}, c.id, c.contact_id, s.id,
                   ((1500 + power({h('d.i', 29)} % 1000, 2) * 0.12) / 50)::bigint * 50,
                   CASE WHEN d.status = 'open' AND d.k / {OPEN_EVERY} % 10 = 3 THEN 5 * (1 + {h('d.i', 37)} % 19) END,
                   CASE WHEN d.status = 'open' THEN current_date + ({h('d.i', 41)} % 365)::int ELSE d.closed::date END,
                   {_pick('source', 'd.i', 43)}, m.user_id,
                   CASE WHEN d.status = 'lost' AND d.k % 3 = 0 THEN {_pick('competitor', 'd.i', 47)} END,
                   CASE d.status WHEN 'won' THEN {_pick('won_reason', 'd.i', 53)}
                                 WHEN 'lost' THEN {_pick('lost_reason', 'd.i', 53)} END,
                   d.closed, coalesce(d.entered, d.closed), d.created, coalesce(d.closed, d.entered),
                   CASE WHEN d.status <> 'open' AND d.k % 100 = 1 THEN now() - interval '3 days' END, m.user_id
            FROM pipe_deals d
            JOIN pipe_companies c ON c.org_id = d.org_id AND c.rn = 1 + {h('d.i', 59)} % {companies}
            JOIN pipe_stages s ON s.org_id = d.org_id
                 AND s.k = CASE d.status WHEN 'won' THEN -1 WHEN 'lost' THEN -2 ELSE d.m END
            JOIN pipe_members m ON m.org_id = d.org_id AND m.n = {h('d.i', 61)} % {members}
            ORDER BY d.i;
        """, {}),
        # From the first open stage up to the one the deal is in (or reached before it closed),
        # then won or lost; the last move of an open deal is when it entered its stage.
        ("stage history", """
            INSERT INTO opportunity_stage_changes (org_id, opportunity_id, from_stage_id, to_stage_id,
                                                   from_stage_name, to_stage_name, moved_by_id, moved_at, note)
            SELECT org_id, opportunity_id, lag(stage_id) OVER w, stage_id, lag(name) OVER w, name, moved_by_id,
                   moved_at, note
            FROM (SELECT d.org_id, d.id AS opportunity_id, s.id AS stage_id, s.name, s.k, o.owner_id AS moved_by_id,
                         CASE WHEN s.k < 0 THEN d.closed
                              WHEN d.status = 'open' AND s.k = d.m AND d.m > 0 THEN d.entered
                              ELSE d.created + (coalesce(d.closed, d.entered) - d.created) * (s.k::float8 / (d.m + 1))
                         END AS moved_at,
                         CASE WHEN s.k < 0 THEN o.close_reason END AS note
                  FROM pipe_deals d JOIN opportunities o ON o.id = d.id
                  JOIN pipe_stages s ON s.org_id = d.org_id
                       AND (s.k BETWEEN 0 AND d.m OR s.k = CASE d.status WHEN 'won' THEN -1 WHEN 'lost' THEN -2 END)
            ) x
            WINDOW w AS (PARTITION BY opportunity_id ORDER BY moved_at, k DESC)
            ORDER BY opportunity_id, moved_at;
        """, {}),
        # A third of the deals are quoted with one to three products; their value is then the items' sum.
        ("products and line items", f"""
            INSERT INTO products (org_id, name, sku, unit_price, active, created_at, updated_at)
            SELECT o.id, p.name, p.sku, p.price::numeric, p.sku <> 'PLAN-LEGACY', now() - interval '800 days',
                   now() - interval '800 days'
            FROM pipe_orgs o
            CROSS JOIN unnest(%(product_name)s::text[], %(product_sku)s::text[], %(product_price)s::text[])
                 p(name, sku, price);
            CREATE TEMP TABLE pipe_products AS
            SELECT org_id, (row_number() OVER (PARTITION BY org_id ORDER BY id) - 1)::int AS n, id, name, unit_price
            FROM products WHERE org_id IN (SELECT id FROM pipe_orgs);
            INSERT INTO opportunity_line_items (org_id, opportunity_id, product_id, name, quantity, unit_price,
                                                discount_percent, position, created_at)
            SELECT d.org_id, d.id, p.id, p.name, 1 + {h('d.i + j', 67)} % 25, p.unit_price,
                   CASE WHEN {h('d.i + j', 71)} % 4 = 0 THEN 10 ELSE 0 END, j, d.created
            FROM pipe_deals d
            CROSS JOIN LATERAL generate_series(0, ({h('d.i', 73)} % 3)::int) j
            JOIN pipe_products p ON p.org_id = d.org_id AND p.n = ({h('d.i', 79)} + j * 5) % {len(demo_pipeline.PRODUCTS)}
            WHERE d.k % 3 = 0;
            UPDATE opportunities o SET value = t.total
            FROM (SELECT opportunity_id, round(sum(quantity * unit_price * (100 - discount_percent) / 100), 2) AS total
                  FROM opportunity_line_items GROUP BY opportunity_id) t
            WHERE o.id = t.opportunity_id;
        """, {}),
        # Four in ten on deals (during the deal's life, by its owner), the rest on companies,
        # contacts and leads over two years.
        ("interactions", f"""
            CREATE TEMP TABLE pipe_contacts AS
            SELECT (row_number() OVER (ORDER BY c.id))::int AS rn, c.id, c.company_id
            FROM contacts c JOIN pipe_orgs o ON o.id = c.org_id AND o.main;
            CREATE INDEX ON pipe_contacts (rn);
            CREATE TEMP TABLE pipe_leads AS
            SELECT (row_number() OVER (ORDER BY l.id))::int AS rn, l.id
            FROM leads l JOIN pipe_orgs o ON o.id = l.org_id AND o.main;
            CREATE INDEX ON pipe_leads (rn);
            INSERT INTO interactions (org_id, kind, subject, body, occurred_at, duration_minutes, outcome, user_id,
                                      company_id, contact_id, lead_id, opportunity_id, created_at, updated_at)
            SELECT o.id, {_pick('kind', 'g.i', 83)}, {_pick('subject', 'g.i', 89)}, {_pick('body', 'g.i', 97)}, x.at,
                   ({h('g.i', 101)} % 60)::int, {_pick('outcome', 'g.i', 103)},
                   CASE WHEN g.i % 10 < 4 THEN op.owner_id ELSE m.user_id END,
                   CASE WHEN g.i % 10 < 4 THEN op.company_id WHEN g.i % 10 < 6 THEN c.id
                        WHEN g.i % 10 < 8 THEN ct.company_id END,
                   CASE WHEN g.i % 10 BETWEEN 6 AND 7 THEN ct.id END,
                   CASE WHEN g.i % 10 >= 8 THEN l.id END,
                   CASE WHEN g.i % 10 < 4 THEN d.id END,
                   x.at, x.at
            FROM generate_series(0, {INTERACTIONS} - 1) g(i)
            JOIN pipe_orgs o ON o.main
            JOIN pipe_deals d ON d.org_id = o.id AND d.k = {h('g.i', 107)} % {DEALS}
            JOIN opportunities op ON op.id = d.id
            JOIN pipe_companies c ON c.org_id = o.id AND c.rn = 1 + {h('g.i', 109)} % {companies}
            JOIN pipe_contacts ct ON ct.rn = 1 + {h('g.i', 113)} % {seed.PER_ORG['contacts']}
            JOIN pipe_leads l ON l.rn = 1 + {h('g.i', 127)} % {seed.PER_ORG['leads']}
            JOIN pipe_members m ON m.org_id = o.id AND m.n = {h('g.i', 131)} % {members}
            CROSS JOIN LATERAL (
                SELECT CASE WHEN g.i % 10 < 4
                            THEN d.created + (coalesce(d.closed, now()) - d.created) * (({h('g.i', 137)} % 1000) / 1000.0)
                            ELSE now() - interval '1 minute' * ({h('g.i', 139)} % {TWO_YEARS_MINUTES}) END AS at) x
            ORDER BY g.i;
        """, {}),
    ]
    return [(label, sql, {**params, **extra}) for label, sql, extra in statements]


def _reset(conn, log) -> None:
    """Any earlier pipeline rows removed. Leads point at opportunities (the deal a lead became)
    through a key with no index behind it, so each deleted deal would scan the million leads:
    that key is dropped for the deletion and put back (checked in one pass) after."""
    started = time.perf_counter()
    if conn.execute("SELECT EXISTS (SELECT 1 FROM opportunities)").fetchone()[0]:
        keys = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE confrelid = 'opportunities'::regclass AND conrelid = 'leads'::regclass").fetchall()
        for name, _definition in keys:
            conn.execute(f'ALTER TABLE leads DROP CONSTRAINT "{name}"')
        conn.execute("DELETE FROM interactions WHERE outcome IS NOT NULL")
        conn.execute("DELETE FROM opportunities")
        for name, definition in keys:
            conn.execute(f'ALTER TABLE leads ADD CONSTRAINT "{name}" {definition}')
    conn.execute("DELETE FROM interactions WHERE outcome IS NOT NULL")
    conn.execute("DELETE FROM products")
    conn.execute(*seed._prepared(
        "DELETE FROM pipeline_stages s USING organizations o WHERE o.id = s.org_id AND o.slug = %(pipeline)s "
        "AND s.name = ANY(%(extra_names)s::text[])",
        {"pipeline": PIPELINE_SLUG, "extra_names": [s[0] for s in EXTRA_STAGES]}))
    log(f"removed earlier pipeline rows in {time.perf_counter() - started:.1f} s")


TABLES = ("pipeline_stages", "opportunities", "opportunity_stage_changes", "products", "opportunity_line_items",
          "interactions")


def seed_pipeline(owner_url: str, log) -> None:
    """Everything in one transaction (any earlier pipeline rows removed first), then VACUUM ANALYZE."""
    import psycopg

    url = sa.engine.make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        with conn.transaction():
            _reset(conn, log)
            for label, sql, params in _statements():
                started = time.perf_counter()
                for statement in (s for s in sql.split(";\n") if s.strip()):
                    conn.execute(*seed._prepared(statement, params))
                log(f"seeded pipeline {label} in {time.perf_counter() - started:.1f} s")
            for table in ("pipe_deals", "pipe_stages", "pipe_orgs", "pipe_members", "pipe_companies",
                          "pipe_products", "pipe_contacts", "pipe_leads"):
                conn.execute(f"DROP TABLE {table}")
        started = time.perf_counter()
        for table in TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        log(f"vacuumed and analysed the pipeline tables in {time.perf_counter() - started:.1f} s")

