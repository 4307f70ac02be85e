"""The benchmark's data: 100 organizations of 10,000 leads each, with companies, contacts,
interactions and tags in proportion.

Organizations, users and memberships go through the app's own services (so roles and stages
are what a real sign-up creates). The million-row tables are filled by ``INSERT ... SELECT``
over ``generate_series`` on the owner connection (it has BYPASSRLS): the rows never travel
through Python, which keeps the whole seed to a few minutes on two cores.

Rows of all organizations are interleaved in insertion (and so heap) order, as they would be
after years of use: one organization's leads are spread across the whole table, not packed
together, so the timings are not flattered by locality.
"""

import re
import time

import sqlalchemy as sa

from crm.services import demo

ORGS = 100
PER_ORG = {"companies": 2_000, "contacts": 5_000, "leads": 10_000, "interactions": 20_000}
MEMBERS_PER_ORG = 10  # the administrator and nine others
TAGS_PER_ORG = len(demo.TAGS)
PASSWORD = "bench-password-2026"
SLUG = "bench-{:03d}"
# Roles of the nine members after the administrator: the owners of records.
MEMBER_ROLES = ("Sales Rep", "Sales Rep", "Sales Rep", "Sales Rep", "Sales Development Rep", "Sales Development Rep",
                "Sales Manager", "Marketing Manager", "Account Manager")


def expected_counts() -> dict[str, int]:
    return {"organizations": ORGS, **{table: ORGS * n for table, n in PER_ORG.items()}}


def current_counts(conn) -> dict[str, int]:
    """Row counts of the seeded tables (organizations: the bench ones only; interactions: not
    the pipeline seed's, which alone have an outcome)."""
    counts = {"organizations": conn.scalar(sa.text("SELECT count(*) FROM organizations WHERE slug LIKE 'bench-%'"))}
    for table in PER_ORG:
        where = " WHERE outcome IS NULL" if table == "interactions" else ""
        counts[table] = conn.scalar(sa.text(f"SELECT count(*) FROM {table}{where}"))
    return counts


def _weighted(pairs) -> list[str]:
    """A 100-slot array where each value appears as often as its weight (percent)."""
    slots = [value for value, weight in pairs for _ in range(weight)]
    assert len(slots) == 100, len(slots)
    return slots


def seed_organizations(app) -> None:
    """100 organizations, each with an administrator and nine members, through the app's services."""
    from crm.extensions import db
    from crm.models import Membership
    from crm.models import Role
    from crm.models import User
    from crm.services.organizations import create_organization
    from crm.services.passwords import hash_password
    from tenants.context import org_context

    password_hash = hash_password(PASSWORD)
    with app.app_context():
        for n in range(1, ORGS + 1):
            slug = SLUG.format(n)
            users = [User(email=f"{'admin' if i == 0 else f'member{i}'}@{slug}.example",
                          name=f"{demo.FIRST_NAMES[(n + i) % len(demo.FIRST_NAMES)]} "
                               f"{demo.LAST_NAMES[(n * 7 + i) % len(demo.LAST_NAMES)]}",
                          password_hash=password_hash) for i in range(MEMBERS_PER_ORG)]
            db.session.add_all(users)
            db.session.flush()
            org = create_organization(f"Bench Organization {n:03d}", slug, users[0])
            with org_context(org.id):
                roles = {r.name: r.id for r in db.session.scalars(sa.select(Role))}
                db.session.add_all(Membership(user_id=u.id, role_id=roles[MEMBER_ROLES[i]], active=True)
                                   for i, u in enumerate(users[1:]))
                db.session.flush()
        db.session.commit()
        db.engine.dispose()


def _company_names() -> list[str]:
    names = []
    for word in demo.COMPANY_WORDS:
        for kind, _industry in demo.COMPANY_KINDS:
            names.append(f"{word} {kind}")
    return names


def _bulk_statements() -> list[tuple[str, str, dict]]:
    """(label, SQL, parameters) in dependency order."""
    n = ORGS
    company_names = _company_names()
    industries = [industry for _kind, industry in demo.COMPANY_KINDS]
    interaction_subjects = [s for kind in ("call", "email", "meeting", "sms") for s in demo.INTERACTIONS[kind][0]]
    hash_ = "((g.i::bigint * (2654435761 + {m})) % 2147483647)"  # a cheap, deterministic spread of i
    params = {
        "first": list(demo.FIRST_NAMES), "last": list(demo.LAST_NAMES), "company": company_names,
        "industry": industries, "title": list(demo.TITLES), "status": _weighted(demo.LEAD_STATUSES),
        "source": _weighted(demo.LEAD_SOURCES), "lifecycle": _weighted(demo.LIFECYCLE),
        "kind": _weighted(demo.INTERACTION_WEIGHTS), "subject": interaction_subjects, "body": list(demo.BODIES),
        "city": [p[0] for p in demo.PLACES], "country": [p[2] for p in demo.PLACES],
        "size": ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"],
    }
    pick = lambda array, m: f"(%({array})s::text[])[1 + {hash_.format(m=m)} % cardinality(%({array})s::text[])]"  # noqa: E731
    # Two years of history, newest last; every organization's rows interleaved.
    created = "now() - ((%(total)s::bigint - g.i) * %(span)s::bigint / %(total)s) * interval '1 second'"
    span = 2 * 365 * 24 * 3600
    statements = [
        ("organizations", """
            CREATE TEMP TABLE bench_orgs AS
            SELECT (row_number() OVER (ORDER BY id) - 1)::int AS n, id FROM organizations WHERE slug LIKE 'bench-%';
            CREATE TEMP TABLE bench_members AS
            SELECT m.org_id, (row_number() OVER (PARTITION BY m.org_id ORDER BY m.user_id) - 1)::int AS n, m.user_id
            FROM memberships m JOIN bench_orgs o ON o.id = m.org_id;
            CREATE INDEX ON bench_members (org_id, n);
        """, {}),
        ("companies", f"""
            INSERT INTO companies (org_id, name, domain, industry, size_band, lifecycle_stage, city, country, owner_id,
                                   custom_fields, created_at, updated_at)
            SELECT o.id, c.name || ' ' || (g.i / {n} + 1), lower(replace(c.name, ' ', '')) || (g.i / {n} + 1) || '.example',
                   {pick('industry', 7)}, {pick('size', 11)}, {pick('lifecycle', 13)}, {pick('city', 17)},
                   {pick('country', 17)}, m.user_id, '{{}}', {created}, {created}
            FROM generate_series(0, %(total)s - 1) g(i)
            JOIN bench_orgs o ON o.n = g.i % {n}
            CROSS JOIN LATERAL (SELECT {pick('company', 3)} AS name) c
            LEFT JOIN bench_members m ON m.org_id = o.id AND m.n = (g.i / {n}) % {MEMBERS_PER_ORG};
            CREATE TEMP TABLE bench_companies AS
            SELECT org_id, (row_number() OVER (PARTITION BY org_id ORDER BY id))::int AS rn, id, name FROM companies;
            CREATE INDEX ON bench_companies (org_id, rn);
        """, {"total": n * PER_ORG["companies"], "span": span}),
        ("contacts", f"""
            INSERT INTO contacts (org_id, company_id, first_name, last_name, title, email, phone, owner_id,
                                  created_at, updated_at)
            SELECT o.id, c.id, p.first, p.last, {pick('title', 19)},
                   lower(p.first || '.' || replace(p.last, '''', '')) || (g.i / {n}) || '@' || lower(replace(c.name, ' ', '')) || '.example',
                   '+1' || (200 + {hash_.format(m=23)} % 800) || '55501' || lpad((g.i % 100)::text, 2, '0'),
                   m.user_id, {created}, {created}
            FROM generate_series(0, %(total)s - 1) g(i)
            JOIN bench_orgs o ON o.n = g.i % {n}
            JOIN bench_companies c ON c.org_id = o.id AND c.rn = 1 + {hash_.format(m=29)} % {PER_ORG['companies']}
            CROSS JOIN LATERAL (SELECT {pick('first', 31)} AS first, {pick('last', 37)} AS last) p
            LEFT JOIN bench_members m ON m.org_id = o.id AND m.n = (g.i / {n}) % {MEMBERS_PER_ORG};
            INSERT INTO contact_emails (org_id, contact_id, email, kind, is_primary)
            SELECT org_id, id, email, 'work', true FROM contacts;
            INSERT INTO contact_phones (org_id, contact_id, number, kind, is_primary)
            SELECT org_id, id, phone, 'work', true FROM contacts WHERE id % 5 <> 0;
            CREATE TEMP TABLE bench_contacts AS
            SELECT org_id, (row_number() OVER (PARTITION BY org_id ORDER BY id))::int AS rn, id, company_id FROM contacts;
            CREATE INDEX ON bench_contacts (org_id, rn);
        """, {"total": n * PER_ORG["contacts"], "span": span}),
        ("leads", f"""
            INSERT INTO leads (org_id, first_name, last_name, email, phone, company_name, title, source, status,
                               owner_id, custom_fields, created_at, updated_at, deleted_at)
            SELECT o.id, p.first, p.last,
                   lower(p.first || '.' || replace(p.last, '''', '')) || (g.i / {n}) || '@' || lower(replace(c.name, ' ', '')) || '.example',
                   '+1' || (200 + {hash_.format(m=41)} % 800) || '55501' || lpad((g.i % 100)::text, 2, '0'),
                   c.name, {pick('title', 43)}, {pick('source', 47)}, {pick('status', 53)},
                   CASE WHEN g.i % 10 = 0 THEN NULL ELSE m.user_id END,
                   '{{}}', {created}, {created},
                   CASE WHEN g.i % 100 = 7 THEN now() - interval '1 day' END
            FROM generate_series(0, %(total)s - 1) g(i)
            JOIN bench_orgs o ON o.n = g.i % {n}
            JOIN bench_companies c ON c.org_id = o.id AND c.rn = 1 + {hash_.format(m=59)} % {PER_ORG['companies']}
            CROSS JOIN LATERAL (SELECT {pick('first', 61)} AS first, {pick('last', 67)} AS last) p
            LEFT JOIN bench_members m ON m.org_id = o.id AND m.n = (g.i / {n}) % {MEMBERS_PER_ORG};
            INSERT INTO lead_scores (org_id, lead_id, fit, engagement, activity, total, grade, scored_at)
            SELECT l.org_id, l.id, s.score, 0, 0, s.score,
                   CASE WHEN s.score >= 75 THEN 'A' WHEN s.score >= 50 THEN 'B' WHEN s.score >= 25 THEN 'C' ELSE 'D' END,
                   l.created_at
            FROM leads l CROSS JOIN LATERAL (SELECT ({hash_.replace('g.i', 'l.id').format(m=71)} % 101)::int AS score) s
            WHERE l.id % 4 <> 0;
            CREATE TEMP TABLE bench_leads AS
            SELECT org_id, (row_number() OVER (PARTITION BY org_id ORDER BY id))::int AS rn, id FROM leads;
            CREATE INDEX ON bench_leads (org_id, rn);
        """, {"total": n * PER_ORG["leads"], "span": span}),
        ("tags", f"""
            INSERT INTO tags (org_id, name, colour, category, created_at)
            SELECT o.id, t.name, t.colour, t.category, now() FROM bench_orgs o
            CROSS JOIN unnest(%(tag_names)s::text[], %(tag_colours)s::text[], %(tag_categories)s::text[]) t(name, colour, category);
            CREATE TEMP TABLE bench_tags AS
            SELECT org_id, (row_number() OVER (PARTITION BY org_id ORDER BY id) - 1)::int AS n, id FROM tags;
            INSERT INTO lead_tags (org_id, lead_id, tag_id)
            SELECT l.org_id, l.id, t.id FROM bench_leads l
            JOIN bench_tags t ON t.org_id = l.org_id AND t.n = l.rn % {TAGS_PER_ORG}
            WHERE l.rn % 5 = 0;
        """, {"tag_names": [t[0] for t in demo.TAGS], "tag_colours": [t[1] for t in demo.TAGS],
              "tag_categories": [t[2] for t in demo.TAGS]}),
        ("interactions", f"""
            INSERT INTO interactions (org_id, kind, subject, body, occurred_at, duration_minutes, user_id,
                                      lead_id, contact_id, company_id, created_at, updated_at)
            SELECT o.id, {pick('kind', 73)}, {pick('subject', 79)}, {pick('body', 83)}, {created},
                   ({hash_.format(m=89)} % 60)::int, m.user_id,
                   CASE WHEN g.i % 5 < 3 THEN l.id END,
                   CASE WHEN g.i % 5 >= 3 THEN c.id END,
                   CASE WHEN g.i % 5 >= 3 THEN c.company_id END,
                   {created}, {created}
            FROM generate_series(0, %(total)s - 1) g(i)
            JOIN bench_orgs o ON o.n = g.i % {n}
            JOIN bench_leads l ON l.org_id = o.id AND l.rn = 1 + {hash_.format(m=97)} % {PER_ORG['leads']}
            JOIN bench_contacts c ON c.org_id = o.id AND c.rn = 1 + {hash_.format(m=101)} % {PER_ORG['contacts']}
            LEFT JOIN bench_members m ON m.org_id = o.id AND m.n = (g.i / {n}) % {MEMBERS_PER_ORG};
        """, {"total": n * PER_ORG["interactions"], "span": span}),
    ]
    return [(label, sql, {**params, **extra}) for label, sql, extra in statements]


BULK_TABLES = ("companies", "contacts", "contact_emails", "contact_phones", "leads", "lead_scores", "tags",
               "lead_tags", "interactions")


def _deferred_schema(conn) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The bulk tables' foreign keys and secondary indexes (not those behind a primary key or
    unique constraint): a bulk load is several times faster without them, rebuilt once after."""
    foreign_keys = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY conname", [list(BULK_TABLES)]).fetchall()
    indexes = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')) "
        "ORDER BY 1", [list(BULK_TABLES)]).fetchall()
    return foreign_keys, indexes


def seed_rows(owner_url: str, log) -> None:
    """The bulk tables in one transaction (a failure leaves nothing half done), then VACUUM ANALYZE.

    Inside it, the bulk tables' foreign keys and secondary indexes are dropped, the rows
    inserted, and the indexes and keys created again exactly as they were (each key is then
    checked in one pass over the table instead of once per row).
    """
    import psycopg

    url = sa.engine.make_url(owner_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("SET synchronous_commit = off")
        with conn.transaction():
            foreign_keys, indexes = _deferred_schema(conn)
            for table, name, _definition in foreign_keys:
                conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                conn.execute(f"DROP INDEX {name}")
            for label, sql, params in _bulk_statements():
                started = time.perf_counter()
                for statement in (s for s in sql.split(";\n") if s.strip()):
                    conn.execute(*_prepared(statement, params))
                log(f"seeded {label} in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            for _name, definition in indexes:
                conn.execute(definition)
            log(f"rebuilt {len(indexes)} indexes in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            for table, name, definition in foreign_keys:
                conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            log(f"checked {len(foreign_keys)} foreign keys in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        for table in (*BULK_TABLES, "users", "memberships", "roles", "organizations"):
            conn.execute(f"VACUUM (ANALYZE) {table}")
        log(f"vacuumed and analysed in {time.perf_counter() - started:.1f} s")


def _prepared(statement: str, params: dict) -> tuple[str, dict | None]:
    """The parameters a statement names; with any, its other ``%`` (modulo, LIKE) are doubled."""
    used = {k: v for k, v in params.items() if f"%({k})s" in statement}
    if not used:
        return statement, None
    return re.sub(r"%(?!\()", "%%", statement), used
