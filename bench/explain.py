"""The plans behind the timed pages: ``python -m bench.explain`` (after ``make bench`` seeded).

Runs the lead list's own queries (captured from the service, with their parameters) as the app
role with the organization set, so row-level security is live, and prints
``EXPLAIN (ANALYZE, BUFFERS)`` for each. docs/performance.md shows its output.
"""

import sys

import sqlalchemy as sa

from bench import run
from bench import scenarios

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
    return 0


if __name__ == "__main__":
    sys.exit(main())
