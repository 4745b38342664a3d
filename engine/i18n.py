"""The engine's user-facing messages in French and English, by message code.

Errors and refusal reasons carry a ``code`` and ``params``; an adapter turns
them into the reader's language with :func:`translate`. A code missing in one
language falls back to English, then to the code itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LOCALES = ("fr", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # engine errors (engine.errors)
    "not_found": {"fr": "Introuvable : {entity} {ref}", "en": "{entity} {ref} not found"},
    "forbidden": {"fr": "Refusé : {reason}", "en": "Not allowed: {reason}"},
    "conflict": {
        "fr": "{entity} {entity_id} a été modifié(e) entre-temps ({changed}) : "
        "rechargez et recommencez",
        "en": "{entity} {entity_id} was changed by someone else ({changed}); "
        "reload it and try again",
    },
    "validation_failed": {"fr": "Valeurs refusées", "en": "Invalid input"},
    # the gate
    "stage_governed": {
        "fr": "L'affaire {deal} suit le processus « {blueprint} » : son étape ne change "
        "que par une transition. Vers « {stage} » : {transitions}.",
        "en": "Deal {deal} follows the blueprint “{blueprint}”: its stage changes only "
        "through a transition. To “{stage}”: {transitions}.",
    },
    "lead_status_governed": {
        "fr": "Le prospect {lead} suit le processus « {blueprint} » : son statut ne change "
        "que par une transition. Vers « {status} » : {transitions}.",
        "en": "Lead {lead} follows the blueprint “{blueprint}”: its status changes only "
        "through a transition. To “{status}”: {transitions}.",
    },
    "lead_not_governed": {
        "fr": "Le prospect {lead} ne suit aucun processus : changez son statut directement",
        "en": "Lead {lead} follows no blueprint: change its status directly",
    },
    "stage_governed_none": {
        "fr": "aucune transition ne mène de « {source} » à « {stage} »",
        "en": "no transition leads from “{source}” to “{stage}”",
    },
    # performing a transition
    "transition_unavailable": {
        "fr": "« {transition} » est impossible : {reasons}",
        "en": "“{transition}” cannot be performed: {reasons}",
    },
    "transition_unknown": {
        "fr": "Le processus « {blueprint} » n'a pas de transition « {transition} »",
        "en": "Blueprint “{blueprint}” has no transition “{transition}”",
    },
    "not_governed": {
        "fr": "L'affaire {deal} ne suit aucun processus : changez son étape directement",
        "en": "Deal {deal} follows no blueprint: change its stage directly",
    },
    "inputs_rejected": {
        "fr": "Rien n'a été enregistré : corrigez les champs signalés",
        "en": "Nothing was saved: correct the fields listed",
    },
    # a stage a blueprint in force names (engine.blueprints.stages)
    "stage_in_blueprint": {
        "fr": "L'étape « {stage} » est utilisée par le processus « {blueprint} » ({uses}) :"
        " modifiez d'abord le processus — désactivez-le (run.py blueprint disable"
        " {pipeline}), changez les étapes, puis appliquez le nouveau processus",
        "en": 'stage "{stage}" is used by blueprint "{blueprint}" ({uses});'
        " change the blueprint first: disable it (run.py blueprint disable {pipeline}),"
        " change the stages, then apply the new blueprint",
    },
    "stage_use_transition": {"fr": "transition {transitions}", "en": "transition {transitions}"},
    "stage_use_transitions": {
        "fr": "transitions {transitions}",
        "en": "transitions {transitions}",
    },
    "stage_use_time_limit": {"fr": "son délai", "en": "its time limit"},
    # reasons a transition is not available
    "reason_wrong_state": {
        "fr": "l'affaire est en « {stage} », la transition part de {sources}",
        "en": "the deal is in “{stage}”, the transition leaves from {sources}",
    },
    "reason_not_owner": {
        "fr": "réservée à : {owners}",
        "en": "only for: {owners}",
    },
    "reason_criterion": {
        "fr": "critère non rempli : {condition}",
        "en": "criterion not met: {condition}",
    },
    "reason_automatic": {
        "fr": "automatique après {after} dans l'étape",
        "en": "automatic after {after} in the stage",
    },
    "reason_admin_only": {"fr": "réservée aux admins", "en": "admins only"},
    "owner_role": {"fr": "rôle {role}", "en": "role {role}"},
    "owner_user": {"fr": "{user}", "en": "{user}"},
    "owner_record": {"fr": "le propriétaire de l'affaire", "en": "the deal's owner"},
    "owner_manager": {"fr": "le manager du propriétaire", "en": "the owner's manager"},
    "any_stage": {"fr": "toute étape", "en": "any stage"},
    # during: field by field
    "input_required": {"fr": "obligatoire", "en": "required"},
    "input_invalid": {"fr": "{detail}", "en": "{detail}"},
    "input_not_number": {"fr": "pas un nombre : {value}", "en": "not a number: {value}"},
    "input_not_amount": {"fr": "pas un montant : {value}", "en": "not an amount: {value}"},
    "input_not_percentage": {
        "fr": "un pourcentage entier de 0 à 100, pas {value}",
        "en": "a whole percentage 0-100, not {value}",
    },
    "input_not_date": {
        "fr": "pas une date (AAAA-MM-JJ ou JJ/MM/AAAA) : {value}",
        "en": "not a date (YYYY-MM-DD or DD/MM/YYYY): {value}",
    },
    "input_not_datetime": {
        "fr": "pas une date et heure (AAAA-MM-JJTHH:MM) : {value}",
        "en": "not a date and time (YYYY-MM-DDTHH:MM): {value}",
    },
    "input_not_email": {
        "fr": "adresse e-mail invalide : {value}",
        "en": "not an e-mail address: {value}",
    },
    "input_not_phone": {"fr": "numéro invalide : {value}", "en": "not a phone number: {value}"},
    "input_not_url": {
        "fr": "pas une adresse web (https://…) : {value}",
        "en": "not a web address (https://…): {value}",
    },
    "input_unknown_contact": {"fr": "contact inconnu : {value}", "en": "unknown contact: {value}"},
    "input_choice": {"fr": "choisissez parmi : {options}", "en": "choose one of: {options}"},
    "input_min": {"fr": "au moins {limit}", "en": "must be at least {limit}"},
    "input_max": {"fr": "au plus {limit}", "en": "must be at most {limit}"},
    "input_min_length": {
        "fr": "au moins {limit} caractère(s)",
        "en": "must be at least {limit} character(s)",
    },
    "input_max_length": {
        "fr": "au plus {limit} caractère(s)",
        "en": "must be at most {limit} character(s)",
    },
    "input_pattern": {"fr": "format attendu : {pattern}", "en": "expected format: {pattern}"},
    "input_unknown": {
        "fr": "cette transition ne demande pas ce champ",
        "en": "this transition does not ask for this field",
    },
    "checklist_unticked": {
        "fr": "cochez chaque point : {items}",
        "en": "tick every item: {items}",
    },
    "note_required": {"fr": "une note est obligatoire", "en": "a note is required"},
    # escalations and notifications
    "escalation": {
        "fr": "L'affaire « {title} » est en « {stage} » depuis plus de {limit}.",
        "en": "Deal “{title}” has been in “{stage}” for more than {limit}.",
    },
    "lead_escalation": {
        "fr": "Le prospect « {title} » est au statut « {status} » depuis plus de {limit}.",
        "en": "Lead “{title}” has been “{status}” for more than {limit}.",
    },
    "admin_override": {"fr": "Forçage admin", "en": "Admin override"},
    "admin_override_stage": {"fr": "Étape cible", "en": "Target stage"},
    "admin_override_lost_reason": {"fr": "Raison de la perte", "en": "Lost reason"},
}


# The lead statuses as a reader sees them; the keys stay in the data, the YAML and the options.
LEAD_STATUS_NAMES: dict[str, dict[str, str]] = {
    "new": {"fr": "Nouveau", "en": "New"},
    "contacted": {"fr": "Contacté", "en": "Contacted"},
    "qualified": {"fr": "Qualifié", "en": "Qualified"},
    "disqualified": {"fr": "Disqualifié", "en": "Disqualified"},
    "converted": {"fr": "Converti", "en": "Converted"},
}


def lead_status_name(status: str, locale: str = "en") -> str:
    """The lead status ``status`` by its name in ``locale`` (an unknown key as it is)."""
    names = LEAD_STATUS_NAMES.get(status)
    if names is None:
        return status
    return names.get(locale) or names["en"]


@dataclass(frozen=True, slots=True)
class LeadStatus:
    """A lead status as a message parameter: shown by its name in the reader's language."""

    status: str

    def text(self, locale: str) -> str:
        return lead_status_name(self.status, locale)

    def __str__(self) -> str:
        return self.status


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _text(value: Any, locale: str) -> str:
    """A parameter as text: lists joined, nested messages (``code``/``params``) translated."""
    if isinstance(value, str):
        return value
    if isinstance(value, LeadStatus):
        return value.text(locale)
    if hasattr(value, "code") and isinstance(getattr(value, "params", None), Mapping):
        return translate(value.code, locale, **value.params)
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return ", ".join(_text(v, locale) for v in value)
    return str(value)


def translate(code: str, locale: str = "en", **params: Any) -> str:
    """The message ``code`` in ``locale`` with its ``params`` filled in."""
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts.get(locale) or texts["en"]
    return template.format_map(_Params({k: _text(v, locale) for k, v in params.items()}))
