"""The score of one lead, computed by hand from the rules (no database)."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from crm.services.scoring import DEFAULT_RULES
from crm.services.scoring import LeadFacts
from crm.services.scoring import Rules
from crm.services.scoring import grade_for
from crm.services.scoring import weighted_total

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)
RULES = {
    "weights": {"fit": 50, "engagement": 30, "activity": 20},
    "company_size": {"51-200": 30, "5000+": 50},
    "title_keywords": [["manager", 20], ["vp", 35], ["vice president", 35], ["head", 30]],
    "sources": {"referral": 30, "webinar": 20},
    "completeness": {"email": 5, "phone": 5, "company": 5, "title": 5},
    "interaction_count": [[1, 20], [3, 50], [10, 100]],
    "recency": [[7, 100], [30, 60], [90, 30]],
}


def score(**facts):
    return Rules(RULES, (75, 50, 25)).score(LeadFacts(**facts), NOW)


def test_fit_adds_size_title_source_and_completeness():
    result = score(company_size="51-200", title="Manager, Sales", source="webinar", email="a@x.example")
    # 30 (size) + 20 (manager) + 20 (webinar) + 5 (email) + 5 (title given)
    assert result.fit == 80
    assert result.explanation == [
        ["fit", "Company size 51-200", 30], ["fit", "Title contains “manager”", 20], ["fit", "Source: Webinar", 20],
        ["fit", "Email address given", 5], ["fit", "Job title given", 5]]


def test_fit_is_capped_at_100_and_the_explanation_says_so():
    result = score(company_size="5000+", title="VP Marketing", source="referral", email="a@x.example",
                   phone="+14155550100", company_name="Big", )
    # 50 + 35 + 30 + 5 + 5 + 5 + 5 = 135
    assert result.fit == 100
    assert result.explanation[-1] == ["fit", "Fit capped at 100", -35]
    assert sum(points for _, _, points in result.explanation) == 100


def test_only_the_best_title_keyword_counts_and_words_must_match_whole():
    assert score(title="VP and Head of Sales").fit == 35 + 5
    assert score(title="Vice President, Operations").fit == 35 + 5
    assert score(title="Headhunter").fit == 5  # "head" is not a word of it
    assert score(title="Account managers lead").fit == 5


def test_engagement_takes_the_highest_interaction_band_reached():
    assert score(interactions=0).engagement == 0
    assert score(interactions=1).engagement == 20
    assert score(interactions=4).engagement == 50
    assert score(interactions=12).engagement == 100
    assert score(interactions=4).explanation == [["engagement", "At least 3 interactions (4 so far)", 50]]


@pytest.mark.parametrize("days, points", [(0, 100), (7, 100), (8, 60), (30, 60), (31, 30), (90, 30), (91, 0)])
def test_activity_takes_the_first_recency_band_that_fits(days, points):
    assert score(interactions=1, last_interaction_at=NOW - timedelta(days=days, hours=1)).activity == points


def test_no_interaction_gives_no_activity():
    assert score().activity == 0


def test_total_is_the_weighted_mean_and_the_grade_follows_the_thresholds():
    result = score(company_size="5000+", title="VP", source="referral", interactions=4,
                   last_interaction_at=NOW - timedelta(days=10))
    # fit 50+35+30+5 = 120 -> 100; engagement 50; activity 60
    assert (result.fit, result.engagement, result.activity) == (100, 50, 60)
    assert result.total == 77  # (100*50 + 50*30 + 60*20) / 100
    assert result.grade == "A"


def test_total_rounds_half_up():
    assert weighted_total((50, 51, 0), (1, 1, 0)) == 51
    assert weighted_total((10, 0, 0), (1, 2, 0)) == 3  # 3.33
    assert weighted_total((0, 0, 0), (0, 0, 0)) == 0


@pytest.mark.parametrize("total, grade", [(100, "A"), (75, "A"), (74, "B"), (50, "B"), (49, "C"), (25, "C"), (24, "D"),
                                          (0, "D")])
def test_grades_by_thresholds(total, grade):
    assert grade_for(total, (75, 50, 25)) == grade


def test_default_rules_score_a_lead():
    result = Rules(DEFAULT_RULES).score(LeadFacts(title="CEO", source="referral", email="a@x.example"), NOW)
    assert result.fit == 40 + 30 + 5 + 5
    assert result.total == 40 and result.grade == "C"
