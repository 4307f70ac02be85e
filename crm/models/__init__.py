"""Every model, imported here so that Alembic and the mappers see them all."""

from crm.models.access import Invitation
from crm.models.access import Role
from crm.models.accounts import AuthSession
from crm.models.accounts import LoginFailure
from crm.models.accounts import User
from crm.models.audit import AuditEntry
from crm.models.pipeline import PipelineStage
from tenants.models import Membership
from tenants.models import Organization

__all__ = [
    "AuditEntry", "AuthSession", "Invitation", "LoginFailure", "Membership", "Organization",
    "PipelineStage", "Role", "User",
]
