"""The plans behind the timed pages: ``python -m bench.explain`` (after ``make bench`` seeded).

Runs the lead list's own queries (captured from the service, with their parameters), and the
pipeline pages' queries (captured from a real request), as the app role with the organization
set, so row-level security is live, and prints ``EXPLAIN (ANALYZE, BUFFERS)`` for each.
docs/performance.md shows its output.
"""

import sys

import sqlalchemy as sa

from bench import run
from bench import scenarios

# Pages whose statements on the pipeline tables are explained as they ran in a real request.
PAGES = {
    "board: 2,000 open deals": f"/{scenarios.ORG}/opportunities/board",
    "dashboard: default period": f"/{scenarios.ORG}/",
    "dashboard: one owner": f"/{scenarios.ORG}/?owner={{owner_id}}",
}
PIPELINE_TABLES = ("opportunities", "interactions", "opportunity_stage_changes", "opportunity_line_items")

CASES = {
    "lead list: status=working, newest first, 50 rows": {"status": "working", "sort": "-created_at"},
    "search fragment: q=smi": {"q": "smi"},
}


def main(argv=None) -> int:
    args = run.build_parser().parse_args(argv)
    owner_url, app_url = run._urls(args)
    app = run._app(app_url, owner_url)

    from crm.extensions import db
    from crm.models import Organization
    from crm.services import leads
    from tenants.context import org_context

    with app.app_context(), app.test_request_context():
        with org_context(None):
            from tenants.context import unscoped

            with unscoped():
                org_id = db.session.scalar(sa.select(Organization.id).where(Organization.slug == scenarios.ORG))
        for title, query in CASES.items():
            with org_context(org_id):
                captured = []

                def capture(conn, cursor, statement, parameters, context, executemany):
                    if "leads" in statement or "lead_tags" in statement:
                        captured.append((statement, parameters))

                sa.event.listen(db.engine, "before_cursor_execute", capture)
                try:
                    state = leads.parse_list_state(query)
                    page = leads.list_page(state)
                    leads.tags_by_lead([lead.id for lead in page.rows])
                finally:
                    sa.event.remove(db.engine, "before_cursor_execute", capture)
                print(f"## {title}\n")
                for statement, parameters in captured:
                    plan = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                                   parameters).scalars().all()
                    print("```sql\n" + statement.strip() + "\n```\n")
                    print("```\n" + "\n".join(plan) + "\n```\n")
                db.session.rollback()
    explain_pages(app, org_id)
    return 0


def _captured(client, url: str) -> list[tuple[str, dict]]:
    """The statements on the pipeline tables that one request through the app ran."""
    from crm.extensions import db

    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if any(f"FROM {table}" in statement or f"JOIN {table}" in statement for table in PIPELINE_TABLES):
            captured.append((statement, parameters))

    client.get(url, base_url="https://localhost")  # warm caches first
    sa.event.listen(db.engine, "before_cursor_execute", capture)
    try:
        client.get(url, base_url="https://localhost")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", capture)
    return captured


def explain_pages(app, org_id: int) -> None:
    from crm.extensions import db
    from tenants.context import org_context

    owner_id = scenarios._member_ids(app)[scenarios.OWNER]
    client = scenarios.sign_in(app)
    with app.app_context():
        pages = {title: (url.format(owner_id=owner_id), _captured(client, url.format(owner_id=owner_id)))
                 for title, url in PAGES.items()}
    with app.app_context(), org_context(org_id):
        for title, (url, captured) in pages.items():
            print(f"## {title} (GET {url})\n")
            for statement, parameters in captured:
                plan = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement,
                                                               parameters).scalars().all()
                print("```sql\n" + statement.strip() + "\n```\n")
                print("```\n" + "\n".join(plan) + "\n```\n")
            db.session.rollback()


if __name__ == "__main__":
    sys.exit(main())
