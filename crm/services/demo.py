"""Demo records: a living CRM for the demo organization (``flask crm seed-demo``).

About 200 companies, 500 contacts, 1,000 leads, 1,500 interactions, 300 notes, 200 tasks
and 8 tags, with the timeline events the services would have written for them, then a
pipeline of 150 opportunities and a product catalogue (crm/services/demo_pipeline.py). Everything
comes from ``random.Random(2026)`` and small word lists, so two runs build the same CRM
(dates are relative to today, so that tasks are due today and overdue whenever it runs).

Addresses are safe to show and to send nothing to: web domains and email addresses use the
reserved ``.example`` top-level domain, and phone numbers come from ranges set aside for
fiction (+1 NXX 555-01XX in North America, +44 20 7946 0XXX in London, +61 491 570 XXX in
Australia), all valid E.164.

Rows are built in memory and written with a few bulk flushes and one commit.
"""

import random
import re
from datetime import datetime
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from crm import clock
from crm.extensions import db
from crm.models import ActivityEvent
from crm.models import Company
from crm.models import CompanyTag
from crm.models import Contact
from crm.models import ContactEmail
from crm.models import ContactPhone
from crm.models import ContactTag
from crm.models import Interaction
from crm.models import Lead
from crm.models import LeadTag
from crm.models import Membership
from crm.models import Note
from crm.models import Organization
from crm.models import Role
from crm.models import Tag
from crm.models import Task
from crm.models.people import CONTACT_METHODS
from crm.models.people import SEGMENTS
from crm.models.people import SIZE_BANDS
from crm.models.people import TIERS
from crm.services.demo_pipeline import seed_demo_pipeline
from tenants.context import org_context

SEED = 2026
COUNTS = {"companies": 200, "contacts": 500, "leads": 1000, "interactions": 1500, "notes": 300, "tasks": 200}

FIRST_NAMES = (
    "Olivia Liam Emma Noah Amelia Oliver Ava Elijah Sophia Lucas Isabella Mateo Mia Levi Charlotte Ethan Harper "
    "James Evelyn Benjamin Abigail Henry Emily Sebastian Ella Jack Grace Samuel Chloe Daniel Nora Leo Hannah Owen "
    "Zoe Aiden Priya Ravi Aisha Omar Mei Hiroshi Yuki Sofia Diego Lucia Mateus Ana Jonas Freya Lars Ingrid Tomasz "
    "Katarzyna Fatima Kwame Amara Chen Wei Nadia Ivan Elena Marco Giulia Pierre Camille Sean Siobhan Rahul Anjali"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis Robinson "
    "Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell "
    "Mitchell Carter Roberts Patel Shah Kim Park Tanaka Sato Mueller Schmidt Novak Kowalski Rossi Bianchi Dubois "
    "Laurent O'Brien Murphy Kelly Okafor Mensah Haddad Ivanova Petrov Larsen Johansson Silva Costa"
).split()
COMPANY_WORDS = (
    "Northwind Bluefin Copperleaf Brightwater Ironbridge Silverline Redwood Harbor Summit Evergreen Keystone Lakeside "
    "Pinecrest Riverstone Oakfield Stonegate Clearview Highland Meridian Westbrook Eastgate Sunridge Foxglove Granite "
    "Horizon Maple Orchid Pioneer Quarry Sterling Tidewater Upland Vantage Willow Zenith Atlas Beacon Cobalt Delta "
    "Ember Falcon Glacier Juniper Kestrel Lumen Nimbus Orbit Prairie Quartz"
).split()
COMPANY_KINDS = (
    ("Logistics", "Transportation"), ("Analytics", "Software"), ("Foods", "Food & Beverage"), ("Health", "Healthcare"),
    ("Energy", "Energy"), ("Robotics", "Manufacturing"), ("Capital", "Financial Services"), ("Labs", "Biotechnology"),
    ("Media", "Media"), ("Systems", "Software"), ("Outfitters", "Retail"), ("Construction", "Construction"),
    ("Insurance", "Insurance"), ("Hotels", "Hospitality"), ("Learning", "Education"), ("Telecom", "Telecommunications"),
    ("Pharma", "Pharmaceuticals"), ("Motors", "Automotive"), ("Consulting", "Professional Services"),
    ("Apparel", "Retail"),
)
CORPORATE = ("Inc", "Ltd", "Group", "Co", "", "", "", "")
STREETS = ("Main", "High", "Market", "Church", "Mill", "Park", "Station", "Harbour", "King", "Queen", "Elm", "Oak",
           "Cedar", "Lake", "Hill", "Bridge", "Union", "Water", "Spring", "Victoria")
STREET_KINDS = ("Street", "Avenue", "Road", "Lane", "Way", "Boulevard")
# (city, region, country, phone prefixes, postal code pattern): "#" is a digit, "@" a letter.
PLACES = (
    ("New York", "NY", "United States", ("+1212", "+1646", "+1718", "+1917", "+1347"), "100##"),
    ("San Francisco", "CA", "United States", ("+1415", "+1628"), "941##"),
    ("Chicago", "IL", "United States", ("+1312", "+1773", "+1872"), "606##"),
    ("Boston", "MA", "United States", ("+1617", "+1857"), "021##"),
    ("Austin", "TX", "United States", ("+1512", "+1737"), "787##"),
    ("Seattle", "WA", "United States", ("+1206", "+1425"), "981##"),
    ("Denver", "CO", "United States", ("+1303", "+1720"), "802##"),
    ("Atlanta", "GA", "United States", ("+1404", "+1470", "+1678"), "303##"),
    ("Toronto", "ON", "Canada", ("+1416", "+1647"), "M#@ #@#"),
    ("Vancouver", "BC", "Canada", ("+1604", "+1778"), "V#@ #@#"),
    ("London", "England", "United Kingdom", ("+44",), "EC#@ #@@"),
    ("Sydney", "NSW", "Australia", ("+61",), "20##"),
)
TITLES = ("CEO", "CTO", "CFO", "COO", "VP of Sales", "VP of Marketing", "Head of Operations", "Procurement Manager",
          "IT Director", "Office Manager", "Product Manager", "Engineering Manager", "Sales Director",
          "Marketing Manager", "Account Executive", "Operations Analyst", "Purchasing Lead", "Founder",
          "Head of Customer Success", "Finance Manager")
PERSONAL_DOMAINS = ("mailbox.example", "inbox.example", "post.example")
LEAD_STATUSES = (("new", 30), ("working", 30), ("qualified", 15), ("unqualified", 15), ("converted", 10))
LEAD_SOURCES = (("website", 25), ("referral", 15), ("event", 10), ("webinar", 10), ("cold_call", 8), ("partner", 8),
                ("advertising", 10), ("social", 8), ("import", 4), ("other", 2))
LIFECYCLE = (("subscriber", 5), ("lead", 25), ("mql", 10), ("sql", 10), ("opportunity", 15), ("customer", 25),
             ("evangelist", 4), ("churned", 5), ("other", 1))
TAGS = (("VIP", "#ef4444", "Priority"), ("Newsletter", "#3b82f6", "Marketing"), ("Partner", "#22c55e", "Relationship"),
        ("Churn risk", "#f97316", "Priority"), ("Decision maker", "#8b5cf6", "Role"), ("Trade show", "#eab308", "Source"),
        ("Inbound", "#14b8a6", "Source"), ("Renewal due", "#ec4899", "Relationship"))
INTERACTIONS = {
    "call": (("Discovery call", "Intro call about current tooling", "Follow-up call", "Pricing questions",
              "Check-in call", "Renewal call"), ("Left a voicemail", "Booked a demo", "Interested, wants a quote",
              "Not the right time", "Connected with the decision maker")),
    "email": (("Sent the proposal", "Shared the case study", "Answered security questions", "Sent the pricing sheet",
               "Introduced our onboarding team", "Sent meeting notes"), ("Replied the same day", "No reply yet",
               "Forwarded to procurement", "Asked for references")),
    "meeting": (("Product demo", "Quarterly business review", "On-site workshop", "Kick-off meeting",
                 "Contract review", "Lunch with the team"), ("Strong interest from the team", "Needs budget approval",
                 "Agreed on next steps", "Raised concerns about integration")),
    "sms": (("Confirmed tomorrow's meeting", "Sent the dial-in details", "Quick reminder about the trial"),
            ("Confirmed", "Rescheduled")),
}
INTERACTION_WEIGHTS = (("call", 35), ("email", 40), ("meeting", 18), ("sms", 7))
NEXT_STEPS = ("Send a proposal", "Schedule a demo", "Follow up next week", "Loop in the account manager",
              "Share the security review", "Prepare the renewal quote", None, None)
BODIES = ("Talked through their goals for next quarter and where the current process breaks down.",
          "They are comparing us with two other vendors; price is not the main concern.",
          "Asked about SSO, the API and how data export works.",
          "Went well overall. They want to see how reporting works for managers.",
          "Budget is approved for this year; the decision is expected within a month.",
          "Short conversation; they asked us to get back in touch after their planning cycle.")
NOTES = ("Prefers email over phone; best reached in the morning.", "Met at the spring trade show; very engaged.",
         "Decision is made by the operations director, not IT.", "Renewal discussion should start two months early.",
         "Has budget for a pilot with one team first.", "Uses a competitor today; contract ends in the autumn.",
         "Asked for a reference customer in the same industry.", "Sensitive about price increases; mention the annual plan.",
         "Referred by an existing customer.", "Wants quarterly reviews with usage numbers.")
TASK_TITLES = ("Call back about the proposal", "Send the updated quote", "Book the product demo", "Prepare the renewal",
               "Follow up on the trial", "Send the case study", "Introduce the onboarding team",
               "Check in after the workshop", "Confirm the budget owner", "Share the security questionnaire")


def _weighted(rng: random.Random, pairs) -> str:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def _postal(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randint(0, 9)) if c == "#" else rng.choice("ABCDEHJKLMNPRSTW") if c == "@" else c
                   for c in pattern)


def _fiction_range(prefix: str) -> list[str]:
    if prefix == "+44":
        return [f"+44207946{i:04d}" for i in range(1000)]
    if prefix == "+61":
        return [f"+61491570{i:03d}" for i in range(1000)]
    return [f"{prefix}5550{i:03d}" for i in range(100, 200)]


class _Phones:
    """Fictional, valid numbers, each handed out once (a full range borrows from London's)."""

    def __init__(self, rng: random.Random):
        self.rng, self.pools = rng, {}

    def _pool(self, prefix: str) -> list[str]:
        if prefix not in self.pools:
            numbers = _fiction_range(prefix)
            self.rng.shuffle(numbers)
            self.pools[prefix] = numbers
        return self.pools[prefix]

    def number(self, prefix: str) -> str:
        pool = self._pool(prefix) or self._pool("+44") or self._pool("+61")
        return pool.pop()


class _Emails:
    def __init__(self):
        self.used = set()

    def address(self, first: str, last: str, domain: str) -> str:
        base = f"{_slug(first)}.{_slug(last)}"
        address, n = f"{base}@{domain}", 1
        while address in self.used:
            n += 1
            address = f"{base}{n}@{domain}"
        self.used.add(address)
        return address


def _members() -> list[tuple[int, list[str], bool]]:
    """(user id, permissions, administrator) of the organization's active members."""
    rows = db.session.execute(
        sa.select(Membership.user_id, Role.permissions, Role.is_administrator)
        .join(Role, Role.id == Membership.role_id).where(Membership.active.is_(True)).order_by(Membership.user_id)
    ).all()
    return [(user_id, permissions or [], admin) for user_id, permissions, admin in rows]


def _who(members, permission: str) -> list[int]:
    ids = [user_id for user_id, permissions, admin in members if admin or permission in permissions]
    return ids or [user_id for user_id, _, _ in members]


class _Builder:
    def __init__(self, rng: random.Random, members, now: datetime, today):
        self.rng, self.now, self.today = rng, now, today
        self.owners = _who(members, "companies.edit")
        self.lead_owners = _who(members, "leads.edit")
        self.loggers = _who(members, "interactions.log")
        self.assignees = _who(members, "interactions.view")
        self.phones, self.emails = _Phones(rng), _Emails()
        self.events: list[ActivityEvent] = []

    def past(self, days: int, after: datetime | None = None) -> datetime:
        """A moment in the last ``days`` days (and after ``after``), during working hours."""
        start = max(after or self.now - timedelta(days=days), self.now - timedelta(days=days))
        moment = start + timedelta(seconds=self.rng.random() * (self.now - start).total_seconds())
        moment = moment.replace(hour=self.rng.randint(8, 17), minute=self.rng.choice((0, 15, 30, 45)), second=0, microsecond=0)
        return min(max(moment, start), self.now)

    def event(self, kind: str, summary: str, at: datetime, actor: int | None, data=None, **links) -> None:
        self.events.append(ActivityEvent(kind=kind, summary=summary[:300], occurred_at=at, actor_id=actor,
                                         data=data, **links))

    def tags(self) -> list[Tag]:
        return [Tag(name=name, colour=colour, category=category, created_at=self.now - timedelta(days=400))
                for name, colour, category in TAGS]

    def companies(self, count: int) -> list[Company]:
        rng = self.rng
        names = rng.sample([(w, k) for w in COMPANY_WORDS for k in COMPANY_KINDS], count)
        result = []
        for word, (kind, industry) in names:
            city, region, country, _, postal = rng.choice(PLACES)
            created = self.past(540)
            suffix = rng.choice(CORPORATE)
            result.append(Company(
                name=f"{word} {kind}{' ' + suffix if suffix else ''}", domain=f"{_slug(word + kind)}.example",
                industry=industry, size_band=rng.choice(SIZE_BANDS), segment=rng.choice(SEGMENTS),
                tier=rng.choice(TIERS), lifecycle_stage=_weighted(rng, LIFECYCLE),
                street=f"{rng.randint(1, 999)} {rng.choice(STREETS)} {rng.choice(STREET_KINDS)}", city=city,
                region=region, postal_code=_postal(rng, postal), country=country,
                owner_id=rng.choice(self.owners) if rng.random() < 0.9 else None, custom_fields={},
                created_at=created, updated_at=created, created_by_id=rng.choice(self.owners)))
        return result

    def contacts(self, count: int, companies: list[Company]) -> list[tuple[Contact, list[str], str]]:
        """Contacts with their email addresses (primary first) and phone number."""
        rng = self.rng
        places = {p[0]: p for p in PLACES}
        result = []
        for _ in range(count):
            company = rng.choice(companies) if rng.random() < 0.85 else None
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            domain = company.domain if company else rng.choice(PERSONAL_DOMAINS)
            emails = [self.emails.address(first, last, domain)]
            if rng.random() < 0.4:
                emails.append(self.emails.address(first, last, rng.choice(PERSONAL_DOMAINS)))
            place = places[company.city] if company else rng.choice(PLACES)
            phone = self.phones.number(rng.choice(place[3]))
            created = self.past(500, after=company.created_at if company else None)
            contact = Contact(
                company_id=company.id if company else None, first_name=first, last_name=last,
                title=rng.choice(TITLES), email=emails[0], phone=phone,
                preferred_contact_method=rng.choice(CONTACT_METHODS[:3]) if rng.random() < 0.7 else None,
                owner_id=(company.owner_id if company and rng.random() < 0.7 else rng.choice(self.owners)),
                created_at=created, updated_at=created, created_by_id=rng.choice(self.owners))
            result.append((contact, emails, phone))
        return result

    def leads(self, count: int, companies: list[Company]) -> list[Lead]:
        rng = self.rng
        result = []
        for _ in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if rng.random() < 0.2:
                company_name = rng.choice(companies).name
            else:
                company_name = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_KINDS)[0]}"
            domain = f"{_slug(company_name)}.example"
            place = rng.choice(PLACES)
            created = self.past(365 if rng.random() < 0.6 else 60)
            result.append(Lead(
                first_name=first, last_name=last, email=self.emails.address(first, last, domain),
                phone=self.phones.number(rng.choice(place[3])) if rng.random() < 0.7 else None,
                company_name=company_name, title=rng.choice(TITLES), source=_weighted(rng, LEAD_SOURCES),
                status=_weighted(rng, LEAD_STATUSES),
                owner_id=rng.choice(self.lead_owners) if rng.random() < 0.85 else None, custom_fields={},
                created_at=created, updated_at=created, created_by_id=rng.choice(self.lead_owners)))
        return result

    def record(self, companies, contacts, leads):
        """A record to log something on: (kind, record, links, name), contacts most often."""
        roll = self.rng.random()
        if roll < 0.55:
            contact = self.rng.choice(contacts)
            return "contact", contact, {"contact_id": contact.id, "company_id": contact.company_id}
        if roll < 0.85:
            lead = self.rng.choice(leads)
            return "lead", lead, {"lead_id": lead.id}
        company = self.rng.choice(companies)
        return "company", company, {"company_id": company.id}

    def interactions(self, count: int, companies, contacts, leads) -> list[Interaction]:
        rng = self.rng
        result = []
        for _ in range(count):
            kind_of_record, record, links = self.record(companies, contacts, leads)
            kind = _weighted(rng, INTERACTION_WEIGHTS)
            subjects, outcomes = INTERACTIONS[kind]
            at = self.past(300, after=record.created_at)
            if kind == "meeting" and rng.random() < 0.1:
                at = self.now + timedelta(days=rng.randint(1, 14), hours=rng.randint(0, 6))  # booked ahead
            user = rng.choice(self.loggers)
            result.append(Interaction(
                kind=kind, subject=rng.choice(subjects), body=rng.choice(BODIES) if kind != "sms" else "",
                occurred_at=at, duration_minutes=rng.choice((15, 30, 45, 60)) if kind in ("call", "meeting") else None,
                outcome=rng.choice(outcomes) if at <= self.now else None,
                next_step=rng.choice(NEXT_STEPS), sentiment=rng.choice(("positive", "positive", "neutral", "negative")),
                user_id=user, created_by_id=user, created_at=min(at, self.now), updated_at=min(at, self.now), **links))
        return result

    def notes(self, count: int, companies, contacts, leads) -> list[Note]:
        result = []
        for _ in range(count):
            _, record, links = self.record(companies, contacts, leads)
            at, author = self.past(300, after=record.created_at), self.rng.choice(self.loggers)
            result.append(Note(body=self.rng.choice(NOTES), pinned=self.rng.random() < 0.12, author_id=author,
                               created_by_id=author, created_at=at, updated_at=at, **links))
        return result

    def tasks(self, count: int, companies, contacts, leads) -> list[Task]:
        rng = self.rng
        result = []
        for i in range(count):
            _, record, links = self.record(companies, contacts, leads)
            roll = rng.random()
            if roll < 0.25:
                due = self.today - timedelta(days=rng.randint(1, 20))      # overdue
            elif roll < 0.4:
                due = self.today                                          # due today
            elif roll < 0.85:
                due = self.today + timedelta(days=rng.randint(1, 30))      # upcoming
            else:
                due = None
            created = self.past(30, after=record.created_at)
            done = None
            if rng.random() < 0.2:
                done = min(created + timedelta(days=rng.randint(0, 10)), self.now)
            # Every demo member who sees tasks gets some, so each demo login has a "My tasks" page.
            assignee = self.assignees[i % len(self.assignees)] if rng.random() < 0.9 else None
            result.append(Task(title=rng.choice(TASK_TITLES), due_on=due, priority=rng.choice(("low", "normal", "normal", "high")),
                               assignee_id=assignee, done_at=done, created_by_id=rng.choice(self.loggers),
                               created_at=created, updated_at=created, **links))
        return result


def _quoted(text: str, limit: int = 80) -> str:
    return f"“{text[:limit]}{'…' if len(text) > limit else ''}”"


def _links(item) -> dict:
    return {"company_id": item.company_id, "contact_id": item.contact_id, "lead_id": item.lead_id}


def _names(contacts) -> dict[int, str]:
    return {c.id: c.full_name for c in contacts}


def _today(org_id: int, now: datetime):
    org = db.session.get(Organization, org_id)
    try:
        return now.astimezone(ZoneInfo(org.timezone or "UTC")).date()
    except (KeyError, ValueError):
        return now.date()


def seed_demo_records(org_id: int, seed: int = SEED) -> dict[str, int] | None:
    """Fill an organization with demo records; None (and nothing written) if it has companies."""
    with org_context(org_id):
        if db.session.scalar(sa.select(Company.id).limit(1)) is not None:
            return None
        members = _members()
        if not members:
            raise ValueError("the organization has no active members to own the demo records")
        now = clock.now()
        build = _Builder(random.Random(seed), members, now, _today(org_id, now))
        rng = build.rng

        tags = build.tags()
        companies = build.companies(COUNTS["companies"])
        db.session.add_all([*tags, *companies])
        db.session.flush()
        contact_rows = build.contacts(COUNTS["contacts"], companies)
        contacts = [c for c, _, _ in contact_rows]
        leads = build.leads(COUNTS["leads"], companies)
        db.session.add_all([*contacts, *leads])
        db.session.flush()

        emails, phones = [], []
        for contact, addresses, phone in contact_rows:
            emails += [ContactEmail(contact_id=contact.id, email=a, kind="work" if i == 0 and contact.company_id else "personal",
                                    is_primary=i == 0) for i, a in enumerate(addresses)]
            phones.append(ContactPhone(contact_id=contact.id, number=phone, kind=rng.choice(("mobile", "work")),
                                       is_primary=True))
        interactions = build.interactions(COUNTS["interactions"], companies, contacts, leads)
        notes = build.notes(COUNTS["notes"], companies, contacts, leads)
        tasks = build.tasks(COUNTS["tasks"], companies, contacts, leads)
        links = []
        for records, link, column, share in ((companies, CompanyTag, "company_id", 0.3), (contacts, ContactTag, "contact_id", 0.25),
                                             (leads, LeadTag, "lead_id", 0.2)):
            for record in records:
                if rng.random() < share:
                    for tag in rng.sample(tags, rng.choice((1, 1, 2))):
                        links.append((link(tag_id=tag.id, **{column: record.id}), tag, column, record))
        db.session.add_all([*emails, *phones, *interactions, *notes, *tasks, *(row for row, _, _, _ in links)])
        db.session.flush()

        _events(build, companies, contacts, leads, interactions, notes, tasks, links)
        db.session.add_all(build.events)
        db.session.flush()
        counts = {"companies": len(companies), "contacts": len(contacts), "leads": len(leads), "tags": len(tags),
                  "interactions": len(interactions), "notes": len(notes), "tasks": len(tasks), "events": len(build.events)}
        counts |= seed_demo_pipeline(rng, now, build.today, _who(members, "opportunities.edit"), companies, contacts, leads)
        db.session.commit()
        return counts


def _events(build: _Builder, companies, contacts, leads, interactions, notes, tasks, links) -> None:
    """The timeline the services would have written for these records."""
    names = _names(contacts)
    for company in companies:
        build.event("created", f"Company {company.name} created", company.created_at, company.created_by_id,
                    company_id=company.id)
    for contact in contacts:
        build.event("created", f"Contact {contact.full_name} created", contact.created_at, contact.created_by_id,
                    contact_id=contact.id, company_id=contact.company_id)
    for lead in leads:
        build.event("created", f"Lead {lead.full_name} created", lead.created_at, lead.created_by_id, lead_id=lead.id)
    last_contacted: dict[int, datetime] = {}
    for item in interactions:
        with_whom = f" with {names[item.contact_id]}" if item.contact_id else ""
        build.event("interaction.logged", f"{item.kind.capitalize()} logged{with_whom}: {_quoted(item.subject)}",
                    item.created_at, item.user_id, {"interaction_id": item.id}, **_links(item))
        if item.contact_id and item.occurred_at <= build.now:
            last_contacted[item.contact_id] = max(item.occurred_at, last_contacted.get(item.contact_id, item.occurred_at))
    for contact in contacts:
        contact.last_contacted_at = last_contacted.get(contact.id)
    for note in notes:
        on = f" on {names[note.contact_id]}" if note.contact_id else ""
        build.event("note.added", f"Note added{on}: {_quoted(note.body)}", note.created_at, note.author_id,
                    {"note_id": note.id}, **_links(note))
        if note.pinned:
            build.event("note.pinned", f"Note pinned: {_quoted(note.body)}", note.created_at + timedelta(minutes=5),
                        note.author_id, {"note_id": note.id}, **_links(note))
    for task in tasks:
        on = f" for {names[task.contact_id]}" if task.contact_id else ""
        due = f", due {task.due_on.isoformat()}" if task.due_on else ""
        build.event("task.added", f"Task added{on}: {_quoted(task.title)}{due}", task.created_at, task.created_by_id,
                    {"task_id": task.id}, **_links(task))
        if task.done_at:
            build.event("task.done", f"Task done: {_quoted(task.title)}", task.done_at, task.assignee_id,
                        {"task_id": task.id}, **_links(task))
    for _, tag, column, record in links:
        record_links = {column: record.id}
        if column == "contact_id":
            record_links["company_id"] = record.company_id
        build.event("tag.added", f"Tagged {tag.name}", min(record.created_at + timedelta(hours=1), build.now), record.created_by_id,
                    {"tag_id": tag.id, "tag": tag.name}, **record_links)
