"""``rescore_1m``: the nightly rescoring of every organization's leads (1,000,000 in the seed),
end to end through the queue layer: the scheduled job queued for each organization, then run
in-process one chunk after another (no REDIS_URL), as ``flask crm run-scheduled`` would start it.

Three passes are timed. The first writes every lead whose numbers changed (all of them the first
time the bench database is scored); the second finds nothing changed, which is what a nightly
pass mostly is; before the third, every organization's component weights are switched (50/30/20
and 40/40/20 in turn, as an administrator changing the rules would), so nearly every lead's
total moves and its score row is rewritten. All three have the 60 s target.
"""

import time

import sqlalchemy as sa

NAME = "rescore_1m"
TARGET_SECONDS = 60


def _counts(owner_url: str) -> tuple[int, int]:
    engine = sa.create_engine(owner_url)
    with engine.connect() as conn:
        leads = conn.scalar(sa.text("SELECT count(*) FROM leads WHERE deleted_at IS NULL"))
        history = conn.scalar(sa.text("SELECT count(*) FROM lead_score_history"))
    engine.dispose()
    return leads, history


def _switch_weights(owner_url: str) -> None:
    engine = sa.create_engine(owner_url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "UPDATE scoring_configs SET rules = jsonb_set(rules::jsonb, '{weights}', CASE "
            "WHEN (rules -> 'weights' ->> 'fit')::int = 50 THEN '{\"fit\": 40, \"engagement\": 40, \"activity\": 20}' "
            "ELSE '{\"fit\": 50, \"engagement\": 30, \"activity\": 20}' END::jsonb)::json"))
    engine.dispose()


def run(app, owner_url: str, log):
    from crm.jobs.schedule import start_for_every_organization

    leads, _ = _counts(owner_url)
    app.config["REDIS_URL"] = None  # in-process, so the timing ends when the last chunk is done
    for label in ("pass1", "pass2", "pass3"):
        if label == "pass3":
            _switch_weights(owner_url)
        _, history_before = _counts(owner_url)
        with app.app_context():
            started = time.perf_counter()
            organizations = start_for_every_organization("nightly-rescoring", ignore_hour=True)
            seconds = time.perf_counter() - started
        _, history_after = _counts(owner_url)
        changed = history_after - history_before
        log(f"{NAME} {label}: {leads:,} leads of {organizations} organizations in {seconds:.1f} s, {changed:,} changed")
        yield {"scenario": NAME, "metric": f"{label}_seconds", "value": round(seconds, 2), "unit": "s",
               "target": TARGET_SECONDS}
        yield {"scenario": NAME, "metric": f"{label}_changed", "value": changed, "unit": "count", "target": None}
    yield {"scenario": NAME, "metric": "leads", "value": leads, "unit": "count", "target": None}
