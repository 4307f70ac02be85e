"""Lead scoring rules and the score of one lead (no database here; crm.services.rescoring
applies it to many leads, crm.services.scoring_settings stores an organization's rules).

Three components, each 0-100:

- fit: who the lead is: company size band, job title keywords (the best matching keyword
  counts), source, and how complete the contact data is; points add up, capped at 100;
- engagement: how much they have interacted with us: the highest interaction-count band reached;
- activity: how recently: the first last-interaction band (within N days) that fits.

The total is the components' weighted mean, rounded half up; the grade is A, B, C or D by
the organization's thresholds (a total of at least ``grade_a`` is an A, and so on).
"""

import re
from dataclasses import dataclass
from datetime import datetime

from crm.models.leads import LEAD_SOURCES
from crm.models.people import SIZE_BANDS

COMPONENTS = ("fit", "engagement", "activity")
COMPLETENESS = {"email": "Email address given", "phone": "Phone number given",
                "company": "Company name given", "title": "Job title given"}
DEFAULT_GRADES = (75, 50, 25)

DEFAULT_RULES = {
    "weights": {"fit": 50, "engagement": 30, "activity": 20},
    "company_size": {"1-10": 5, "11-50": 15, "51-200": 30, "201-1000": 40, "1001-5000": 45, "5000+": 50},
    "title_keywords": [["ceo", 40], ["founder", 35], ["vp", 35], ["vice president", 35], ["director", 30],
                       ["head", 30], ["manager", 20]],
    "sources": {"referral": 30, "partner": 25, "webinar": 20, "event": 20, "website": 15, "advertising": 10,
                "social": 10, "cold_call": 5, "import": 5, "other": 0},
    "completeness": {"email": 5, "phone": 5, "company": 5, "title": 5},
    # At least N interactions -> points (the highest band reached counts).
    "interaction_count": [[1, 20], [3, 50], [5, 75], [10, 100]],
    # Last interaction within N days -> points (the first band that fits counts).
    "recency": [[7, 100], [30, 60], [90, 30]],
}


@dataclass(frozen=True)
class LeadFacts:
    """What scoring reads of a lead: its columns and its interactions, counted."""

    company_size: str | None = None
    title: str | None = None
    source: str | None = None
    email: str | None = None
    phone: str | None = None
    company_name: str | None = None
    interactions: int = 0
    last_interaction_at: datetime | None = None


@dataclass(frozen=True)
class Score:
    fit: int
    engagement: int
    activity: int
    total: int
    grade: str
    explanation: list  # [[component, rule, points], ...]

    def same_numbers(self, fit, engagement, activity, total, grade) -> bool:
        return (self.fit, self.engagement, self.activity, self.total, self.grade) == (fit, engagement, activity, total, grade)


def grade_for(total: int, grades: tuple[int, int, int]) -> str:
    a, b, c = grades
    return "A" if total >= a else "B" if total >= b else "C" if total >= c else "D"


def source_label(source: str) -> str:
    return source.replace("_", " ").capitalize()


def _keyword_pattern(keyword: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(keyword)}(?!\w)", re.IGNORECASE)


class Rules:
    """An organization's rules, ready to score many leads: the keyword patterns are compiled
    once, and the fit of a combination of columns is computed once (a million leads share a
    few thousand combinations)."""

    def __init__(self, rules: dict, grades: tuple[int, int, int] = DEFAULT_GRADES):
        self.rules = rules
        self.grades = grades
        weights = rules["weights"]
        self.weights = tuple(int(weights[c]) for c in COMPONENTS)
        self.sizes = {band: int(p) for band, p in rules["company_size"].items() if band in SIZE_BANDS}
        self.sources = {source: int(p) for source, p in rules["sources"].items() if source in LEAD_SOURCES}
        self.keywords = sorted(((kw, int(p), _keyword_pattern(kw)) for kw, p in rules["title_keywords"]),
                               key=lambda k: -k[1])
        self.completeness = {key: int(rules["completeness"].get(key, 0)) for key in COMPLETENESS}
        self.counts = sorted((int(n), int(p)) for n, p in rules["interaction_count"])
        self.recency = sorted((int(d), int(p)) for d, p in rules["recency"])
        self._fit: dict[tuple, tuple[int, list]] = {}
        self._engagement: dict[int, tuple[int, list]] = {}
        self._activity: dict[int | None, tuple[int, list]] = {}
        self._scores: dict[tuple, Score] = {}

    def _fit_of(self, size, title, source, has_email, has_phone, has_company, has_title) -> tuple[int, list]:
        """Cached, and the same tuple object for the same columns (``score_columns`` relies on it)."""
        key = (size, title, source, has_email, has_phone, has_company, has_title)
        found = self._fit.get(key)
        if found is not None:
            return found
        parts = []
        if size in self.sizes and self.sizes[size]:
            parts.append(["fit", f"Company size {size}", self.sizes[size]])
        if title:
            for keyword, points, pattern in self.keywords:
                if points and pattern.search(title):
                    parts.append(["fit", f"Title contains “{keyword}”", points])
                    break
        if source in self.sources and self.sources[source]:
            parts.append(["fit", f"Source: {source_label(source)}", self.sources[source]])
        for key_name, present in (("email", has_email), ("phone", has_phone), ("company", has_company),
                                  ("title", has_title)):
            if present and self.completeness[key_name]:
                parts.append(["fit", COMPLETENESS[key_name], self.completeness[key_name]])
        points = sum(p for _, _, p in parts)
        if points > 100:
            parts.append(["fit", "Fit capped at 100", 100 - points])
            points = 100
        found = self._fit[key] = (points, parts)
        return found

    def _engagement_of(self, count: int) -> tuple[int, list]:
        found = self._engagement.get(count)
        if found is None:
            reached = [(n, p) for n, p in self.counts if count >= n]
            if reached and reached[-1][1]:
                n, p = reached[-1]
                plural = "interaction" if n == 1 else "interactions"
                found = (min(p, 100), [["engagement", f"At least {n} {plural} ({count} so far)", min(p, 100)]])
            else:
                found = (0, [])
            self._engagement[count] = found
        return found

    def _activity_of(self, days: int | None) -> tuple[int, list]:
        found = self._activity.get(days)
        if found is None:
            fits = [(d, p) for d, p in self.recency if days is not None and days <= d]
            if fits and fits[0][1]:
                d, p = fits[0]
                found = (min(p, 100), [["activity", f"Last interaction within {d} days", min(p, 100)]])
            else:
                found = (0, [])
            self._activity[days] = found
        return found

    def score(self, facts: LeadFacts, moment: datetime) -> Score:
        return self.score_columns(facts.company_size, facts.title, facts.source, facts.email, facts.phone,
                                  facts.company_name, facts.interactions, facts.last_interaction_at, moment)

    def score_columns(self, company_size, title, source, email, phone, company_name, interactions: int,
                      last_interaction_at: datetime | None, moment: datetime) -> Score:
        """The score from the lead's columns; leads that share them share one Score object."""
        days = None
        if last_interaction_at is not None:
            if last_interaction_at.tzinfo is None:  # SQLite gives naive UTC datetimes back
                last_interaction_at = last_interaction_at.replace(tzinfo=moment.tzinfo)
            days = max(0, int((moment - last_interaction_at).total_seconds() // 86400))
        fit_part = self._fit_of(company_size, (title or "").strip().lower() or None, source,
                                bool(email), bool(phone), bool(company_name), bool(title))
        engagement_part, activity_part = self._engagement_of(interactions or 0), self._activity_of(days)
        # The parts are cached objects: leads with the same parts share one Score.
        key = (id(fit_part), id(engagement_part), id(activity_part))
        found = self._scores.get(key)
        if found is None:
            (fit, fit_parts), (engagement, engagement_parts) = fit_part, engagement_part
            activity, activity_parts = activity_part
            total = weighted_total((fit, engagement, activity), self.weights)
            found = self._scores[key] = Score(fit, engagement, activity, total, grade_for(total, self.grades),
                                              fit_parts + engagement_parts + activity_parts)
        return found


def weighted_total(components: tuple[int, int, int], weights: tuple[int, int, int]) -> int:
    """The weighted mean, rounded half up, in integers (no float surprises at .5)."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return 0
    return (2 * sum(c * w for c, w in zip(components, weights)) + weight_sum) // (2 * weight_sum)


def score_lead(facts: LeadFacts, rules: dict, grades: tuple[int, int, int], moment: datetime) -> Score:
    """One lead's score against an organization's rules."""
    return Rules(rules, grades).score(facts, moment)
