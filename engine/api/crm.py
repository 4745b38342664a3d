"""Users, contacts, leads, deals, activities, pipelines, the typed reads of them,
and the set-up (pipelines, users, project templates) that ``config apply`` gives.

Part of the public face adapters import (see :mod:`engine.api`)."""

from typing import TYPE_CHECKING

from engine.api import _lazy

if TYPE_CHECKING:
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
    from engine.crm.marks import HELD_PAUSE, Mark
    from engine.crm.pipelines import DEFAULT_STAGES, StageSpec
    from engine.crm.projects import ProjectTemplate, Question
    from engine.crm.records import (
        Activity,
        Contact,
        Deal,
        Lead,
        Organisation,
        Pipeline,
        PostalAddress,
        Stage,
        StageSummary,
        TimelineEntry,
        User,
    )
    from engine.crm.search import SearchHits
    from engine.crm.setup import CrmSetup, PipelineSetup, SetupRecords, SetupRefused
    from engine.crm.users import UserDraft
    from engine.facade.setup import FullSetup
else:
    __getattr__ = _lazy.names(
        __name__,
        {
            "Activity": "engine.crm.records",
            "ActivityDraft": "engine.crm.activities",
            "Amounts": "engine.crm.listings",
            "CUSTOM": "engine.crm.fields",
            "Contact": "engine.crm.records",
            "ContactDraft": "engine.crm.contacts",
            "CrmSetup": "engine.crm.setup",
            "DEFAULT_STAGES": "engine.crm.pipelines",
            "Deal": "engine.crm.records",
            "DealDraft": "engine.crm.deals",
            "DealFilters": "engine.crm.listings",
            "DealListing": "engine.crm.listings",
            "FullSetup": "engine.facade.setup",
            "KINDS": "engine.crm.activities",
            "LEAD_STATUS_CHOICES": "engine.crm.listings",
            "Lead": "engine.crm.records",
            "LeadDraft": "engine.crm.leads",
            "LeadFilters": "engine.crm.listings",
            "LeadListing": "engine.crm.listings",
            "ListedDeal": "engine.crm.listings",
            "ListedLead": "engine.crm.listings",
            "HELD_PAUSE": "engine.crm.marks",
            "Mark": "engine.crm.marks",
            "Named": "engine.crm.listings",
            "Organisation": "engine.crm.records",
            "Pipeline": "engine.crm.records",
            "PostalAddress": "engine.crm.records",
            "PipelineSetup": "engine.crm.setup",
            "ProjectTemplate": "engine.crm.projects",
            "Question": "engine.crm.projects",
            "SearchHits": "engine.crm.search",
            "SetupRecords": "engine.crm.setup",
            "SetupRefused": "engine.crm.setup",
            "Stage": "engine.crm.records",
            "StageSpec": "engine.crm.pipelines",
            "StageSummary": "engine.crm.records",
            "TimelineEntry": "engine.crm.records",
            "User": "engine.crm.records",
            "UserDraft": "engine.crm.users",
            "criteria": "engine.crm.criteria:",
            "normalize_email": "engine.crm.contacts",
            "pipelines": "engine.crm.pipelines:",
            "projects": "engine.crm.projects:",
            "users": "engine.crm.users:",
        },
    )

__all__ = [
    "CUSTOM",
    "DEFAULT_STAGES",
    "HELD_PAUSE",
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
    "Mark",
    "Named",
    "Organisation",
    "Pipeline",
    "PipelineSetup",
    "PostalAddress",
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
