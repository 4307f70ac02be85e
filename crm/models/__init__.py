"""Every model, imported here so that Alembic and the mappers see them all."""

from crm.models.access import Invitation
from crm.models.activity import ActivityEvent
from crm.models.activity import Interaction
from crm.models.activity import Note
from crm.models.activity import Notification
from crm.models.activity import Task
from crm.models.access import Role
from crm.models.accounts import AuthSession
from crm.models.accounts import LoginFailure
from crm.models.accounts import User
from crm.models.audit import AuditEntry
from crm.models.jobs import BackgroundJob
from crm.models.imports import Campaign
from crm.models.imports import LeadImport
from crm.models.imports import LeadImportRow
from crm.models.leads import Lead
from crm.models.notification_preferences import DigestSend
from crm.models.notification_preferences import NotificationPreference
from crm.models.opportunities import Opportunity
from crm.models.opportunities import OpportunityLineItem
from crm.models.opportunities import OpportunityStageChange
from crm.models.people import Company
from crm.models.people import Contact
from crm.models.people import ContactEmail
from crm.models.people import ContactPhone
from crm.models.pipeline import PipelineStage
from crm.models.products import Product
from crm.models.scoring import AssignmentRule
from crm.models.scoring import LeadScore
from crm.models.scoring import LeadScoreHistory
from crm.models.scoring import ScoringConfig
from crm.models.tags import CompanyTag
from crm.models.tags import ContactTag
from crm.models.tags import LeadTag
from crm.models.tags import OpportunityTag
from crm.models.tags import Tag
from crm.models.views import SavedView
from tenants.models import Membership
from tenants.models import Organization

__all__ = [
    "ActivityEvent", "AssignmentRule", "AuditEntry", "AuthSession", "Company", "CompanyTag", "Contact", "ContactEmail",
    "ContactPhone", "ContactTag", "Interaction", "Invitation", "Lead", "LeadScore", "LeadScoreHistory", "LeadTag", "LoginFailure",
    "BackgroundJob", "Campaign", "LeadImport", "LeadImportRow", "Membership", "Note", "Notification", "NotificationPreference", "DigestSend", "Opportunity", "OpportunityLineItem", "OpportunityStageChange",
    "OpportunityTag", "Organization", "PipelineStage", "Product", "Role", "SavedView", "ScoringConfig", "Tag", "Task", "User",
]
