"""Users, contacts, leads, deals, activities, pipelines, the typed reads of them,
and the set-up (pipelines, users, project templates) that ``config apply`` gives.

Part of the public face adapters import (see :mod:`engine.api`)."""

from engine.crm import criteria, pipelines, projects, users
from engine.crm.activities import KINDS, ActivityDraft
from engine.crm.contacts import ContactDraft, normalize_email
from engine.crm.deals import DealDraft
from engine.crm.fields import CUSTOM
from engine.crm.leads import LeadDraft
from engine.crm.listings import (
    LEAD_STATUS_CHOICES,
    Amounts,
    DealFilters,
    DealListing,
    LeadFilters,
    LeadListing,
    ListedDeal,
    ListedLead,
    Named,
)
from engine.crm.pipelines import DEFAULT_STAGES, StageSpec
from engine.crm.projects import ProjectTemplate, Question
from engine.crm.records import (
    Activity,
    Contact,
    Deal,
    Lead,
    Organisation,
    Pipeline,
    Stage,
    StageSummary,
    TimelineEntry,
    User,
)
from engine.crm.search import SearchHits
from engine.crm.setup import CrmSetup, PipelineSetup, SetupRecords, SetupRefused
from engine.crm.users import UserDraft
from engine.facade.setup import FullSetup

__all__ = [
    "CUSTOM",
    "DEFAULT_STAGES",
    "KINDS",
    "LEAD_STATUS_CHOICES",
    "Activity",
    "ActivityDraft",
    "Amounts",
    "Contact",
    "ContactDraft",
    "CrmSetup",
    "Deal",
    "DealDraft",
    "DealFilters",
    "DealListing",
    "FullSetup",
    "Lead",
    "LeadDraft",
    "LeadFilters",
    "LeadListing",
    "ListedDeal",
    "ListedLead",
    "Named",
    "Organisation",
    "Pipeline",
    "PipelineSetup",
    "ProjectTemplate",
    "Question",
    "SearchHits",
    "SetupRecords",
    "SetupRefused",
    "Stage",
    "StageSpec",
    "StageSummary",
    "TimelineEntry",
    "User",
    "UserDraft",
    "criteria",
    "normalize_email",
    "pipelines",
    "projects",
    "users",
]
