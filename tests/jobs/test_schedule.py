"""The clock: a daily job starts for each organization at that hour of its own time zone."""

from datetime import datetime
from datetime import timezone

import pytest

from crm import clock
from crm.extensions import db
from crm.jobs import schedule
from crm.models import Organization
from tests.jobs.job_functions import RAN


@pytest.fixture
def morning_job(monkeypatch):
    monkeypatch.setitem(schedule.SCHEDULE, "test-morning",
                        schedule.Scheduled("tests.jobs.job_functions:mark_org", "test", "0 * * * *", local_hour=7))


def _set_timezone(org, name: str) -> None:
    db.session.get(Organization, org.id).timezone = name
    db.session.commit()


def _at(moment: datetime) -> None:
    clock.travel(moment - clock.now())


def test_a_daily_job_starts_at_seven_in_each_organizations_own_time(app, org_a, org_b, morning_job):
    _set_timezone(org_a, "Europe/Berlin")
    _set_timezone(org_b, "America/New_York")
    _at(datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc))  # 07:00 in Berlin, 01:00 in New York
    assert schedule.start_for_every_organization("test-morning") == 1
    assert RAN == [("mark_org", org_a.id, str(org_a.id))]
    RAN.clear()
    _at(datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc))  # 07:00 in New York
    assert schedule.start_for_every_organization("test-morning") == 1
    assert RAN == [("mark_org", org_b.id, str(org_b.id))]


def test_run_scheduled_now_starts_it_for_every_organization(app, org_a, org_b, morning_job):
    result = app.test_cli_runner().invoke(args=["crm", "run-scheduled", "test-morning", "--now"])
    assert result.exit_code == 0, result.output
    assert "Started 2 job(s)." in result.output
    assert sorted(o for _, o, _ in RAN) == sorted([org_a.id, org_b.id])


def test_an_unknown_schedule_name_is_refused_with_the_known_ones(app):
    result = app.test_cli_runner().invoke(args=["crm", "run-scheduled", "weekly-party"])
    assert result.exit_code != 0
    assert "nightly-rescoring" in result.output and "daily-digest" in result.output
