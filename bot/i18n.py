"""The bot's words in French and English, and numbers and dates as each reads them.

``t(locale, key, **params)`` returns a message; a key missing in one language
falls back to English, then to the key itself, so a gap shows rather than
breaks. Dates are shown in the reader's time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from bot import i18n_quotes, i18n_requests
from engine.api import clock

LOCALES = ("fr", "en")

# key: (French, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # generic
    "working": ("Je m'en occupe…", "On it…"),
    "loading": ("Chargement…", "Loading…"),
    "close": ("Fermer", "Close"),
    "cancel": ("Annuler", "Cancel"),
    "save": ("Enregistrer", "Save"),
    "none": ("aucun", "none"),
    "nobody": ("personne", "nobody"),
    "manual": ("manuelle", "manual"),
    "unknown_command": (
        "Je ne connais pas « {text} ». Tapez `/crm help`.",
        "I don't know “{text}”. Type `/crm help`.",
    ),
    "restarted": (
        "Relais a redémarré pendant votre demande « {what} » : vérifiez le résultat.",
        "Relais restarted during your request “{what}”: please check the result.",
    ),
    "click_again": (
        "Slack n'a pas pu ouvrir le formulaire à temps : cliquez à nouveau.",
        "Slack could not open the form in time: please click again.",
    ),
    "storage_busy": (
        "Relais ne peut rien enregistrer pour l'instant ; réessayez dans un moment.",
        "Relais cannot save anything right now; try again in a moment.",
    ),
    "unexpected": (
        "Une erreur inattendue s'est produite (réf. {ref}).",
        "Something unexpected went wrong (ref. {ref}).",
    ),
    # errors
    "err_not_found": ("Introuvable : {entity} {ref}.", "Not found: {entity} {ref}."),
    "err_validation": ("Certaines valeurs sont refusées :", "Some values were refused:"),
    "err_forbidden": ("Refusé : {reason}", "Not allowed: {reason}"),
    "err_conflict": (
        "Quelqu'un d'autre a modifié {entity} n° {id} entre-temps ({fields}). "
        "Voici la fiche à jour ; recommencez si besoin.",
        "Someone else changed {entity} #{id} meanwhile ({fields}). "
        "Here is the fresh card; try again if needed.",
    ),
    "err_transition": ("Transition impossible : {reason}", "This move is not possible: {reason}"),
    "err_stage_not_empty": (
        "L'étape « {stage} » contient encore {count} affaire(s), archivées comprises : "
        "déplacez-les d'abord.",
        "Stage “{stage}” still holds {count} deal(s), archived ones included: move them first.",
    ),
    "err_admin_only": ("Réservé aux administrateurs.", "Admins only."),
    # entities
    "entity_deal": ("l'affaire", "deal"),
    "entity_lead": ("la piste", "lead"),
    "entity_activity": ("l'activité", "activity"),
    "entity_stage": ("l'étape", "stage"),
    "entity_user": ("l'utilisateur", "user"),
    "entity_contact": ("le contact", "contact"),
    "entity_pipeline": ("le pipeline", "pipeline"),
    # deal card
    "deal_stage": ("Étape", "Stage"),
    "deal_probability": ("Probabilité", "Probability"),
    "deal_amount": ("Montant", "Amount"),
    "deal_owner": ("Responsable", "Owner"),
    "deal_contact": ("Contact", "Contact"),
    "deal_close": ("Clôture prévue", "Expected close"),
    "deal_status": ("Statut", "Status"),
    "status_open": ("ouverte", "open"),
    "status_won": ("gagnée", "won"),
    "status_lost": ("perdue", "lost"),
    "deal_lost_reason": ("Raison de la perte : {reason}", "Lost because: {reason}"),
    "deal_next": ("Prochaines activités", "Next activities"),
    "deal_no_next": ("Aucune activité prévue.", "No activity planned."),
    "deal_mails": ("Derniers e-mails", "Last mails"),
    "deal_moves": ("Faire avancer", "Move on"),
    "deal_move_to": ("Déplacer vers…", "Move to…"),
    "deal_unavailable": ("Pas disponible maintenant :", "Not available now:"),
    "deal_log": ("Noter une activité", "Log activity"),
    "deal_updated": ("Mise à jour {when}", "Updated {when}"),
    "deal_search": ("{count} affaires trouvées pour « {text} » :", "{count} deals match “{text}”:"),
    "deal_none_found": ("Aucune affaire ne correspond à « {text} ».", "No deal matches “{text}”."),
    "deal_created": ("Affaire n° {id} créée.", "Deal #{id} created."),
    "deal_moved": ("Affaire n° {id} déplacée vers {stage}.", "Deal #{id} moved to {stage}."),
    "deal_open": ("Ouvrir", "Open"),
    # new deal / lead modal
    "new_deal_title": ("Nouvelle affaire", "New deal"),
    "new_lead_title": ("Nouvelle piste", "New lead"),
    "field_title": ("Titre", "Title"),
    "field_contact_email": ("E-mail du contact", "Contact e-mail"),
    "field_contact_name": ("Nom du contact", "Contact name"),
    "field_organisation": ("Organisation", "Organisation"),
    "field_amount": ("Montant prévu", "Expected amount"),
    "field_close": ("Date de clôture prévue", "Expected close date"),
    "field_note": ("Note", "Note"),
    "field_reason": ("Raison", "Reason"),
    "field_kind": ("Type", "Type"),
    "field_subject": ("Objet", "Subject"),
    "field_due": ("Échéance", "Due date"),
    # move modal
    "move_title": ("Déplacer l'affaire", "Move the deal"),
    "move_submit": ("Valider", "Confirm"),
    "move_lost_reason": ("Raison de la perte", "Why was it lost?"),
    "move_done": (
        "C'est fait : {title} est maintenant en « {stage} ».",
        "Done: {title} is now in “{stage}”.",
    ),
    "move_checklist": ("Liste de contrôle", "Checklist"),
    # Slack's size limits: lists in pages, forms too large to show
    "move_too_big": (
        "Ce passage demande plus qu'un formulaire Slack ne peut afficher : un administrateur "
        "doit le scinder (`run.py blueprint apply --check` dit pourquoi).",
        "This step asks for more than a Slack form can show: an admin must split it "
        "(`run.py blueprint apply --check` says why).",
    ),
    "page_previous": ("◀ Précédentes", "◀ Previous"),
    "page_next": ("Suivantes ▶", "Next ▶"),
    "stages_page": ("Étapes {first} à {last} sur {count}", "Stages {first} to {last} of {count}"),
    # pipeline
    "pipeline_title": ("Mon pipeline", "My pipeline"),
    "pipeline_empty": ("Aucune affaire ouverte.", "No open deal."),
    "pipeline_stage": (
        "*{stage}* — {count} affaire(s) · {amount} · pondéré {weighted}",
        "*{stage}* — {count} deal(s) · {amount} · weighted {weighted}",
    ),
    "pipeline_total": (
        "Total : {count} affaire(s) · {amount} · pondéré *{weighted}*",
        "Total: {count} deal(s) · {amount} · weighted *{weighted}*",
    ),
    "pipeline_more": ("… et {count} autre(s)", "… and {count} more"),
    # activities
    "activities_title": ("Mes activités", "My activities"),
    "activities_overdue": ("En retard", "Overdue"),
    "activities_today": ("Aujourd'hui", "Today"),
    "activities_later": ("À venir", "Coming up"),
    "activities_undated": ("Sans date", "No date"),
    "activities_empty": ("Rien à faire : bravo !", "Nothing to do: well done!"),
    "activity_done": ("Fait", "Done"),
    "activity_snooze": ("Reporter", "Snooze"),
    "snooze_hour": ("Dans 1 heure", "In 1 hour"),
    "snooze_tomorrow": ("Demain 9 h", "Tomorrow 9:00"),
    "snooze_week": ("Dans une semaine", "In a week"),
    "activity_marked_done": ("« {subject} » est fait.", "“{subject}” is done."),
    "activity_snoozed": ("« {subject} » reporté au {when}.", "“{subject}” snoozed to {when}."),
    "activity_logged": (
        "Noté sur l'affaire n° {id} : {subject}",
        "Logged on deal #{id}: {subject}",
    ),
    "todo_created": (
        "À faire sur l'affaire n° {id} pour le {when} : {subject}",
        "To-do on deal #{id} due {when}: {subject}",
    ),
    "kind_call": ("Appel", "Call"),
    "kind_meeting": ("Rendez-vous", "Meeting"),
    "kind_task": ("Tâche", "Task"),
    "kind_email": ("E-mail", "E-mail"),
    "kind_note": ("Note", "Note"),
    # leads
    "leads_title": ("Pistes à traiter", "Open leads"),
    "leads_empty": ("Aucune piste à traiter.", "No open lead."),
    "lead_claim": ("Prendre", "Claim"),
    "lead_qualify": ("Qualifier", "Qualify"),
    "lead_disqualify": ("Disqualifier", "Disqualify"),
    "lead_convert": ("Convertir", "Convert"),
    "lead_from": ("De", "From"),
    "lead_owner": ("Responsable : {owner}", "Owner: {owner}"),
    "lead_status": ("Statut : {status}", "Status: {status}"),
    "lead_claimed": ("{who} a pris la piste.", "{who} claimed this lead."),
    "lead_qualified": ("{who} a qualifié la piste.", "{who} qualified this lead."),
    "lead_disqualified": (
        "{who} a disqualifié la piste : {reason}",
        "{who} disqualified this lead: {reason}",
    ),
    "lead_converted": (
        "{who} l'a convertie en affaire n° {deal}.",
        "{who} converted it into deal #{deal}.",
    ),
    "lead_created": ("Piste n° {id} créée.", "Lead #{id} created."),
    "lead_disqualify_title": ("Disqualifier la piste", "Disqualify the lead"),
    "notice_new_lead": ("Nouvelle piste reçue par e-mail", "New lead from mail"),
    "notice_new_deal": ("Nouvelle affaire reçue par e-mail", "New deal from mail"),
    "notice_subject": ("Objet", "Subject"),
    # stages (admin)
    "stages_title": ("Étapes du pipeline {pipeline}", "Stages of pipeline {pipeline}"),
    "stage_line": (
        "{position}. *{name}* (`{key}`) — {probability} %{flags}",
        "{position}. *{name}* (`{key}`) — {probability}%{flags}",
    ),
    "stage_folded": ("repliée", "folded"),
    "stage_won": ("gagnée", "won"),
    "stage_lost": ("perdue", "lost"),
    "stage_fold": ("Replier", "Fold"),
    "stage_unfold": ("Déplier", "Unfold"),
    "stage_up": ("Monter", "Move up"),
    "stage_down": ("Descendre", "Move down"),
    "stage_delete": ("Supprimer", "Delete"),
    "stages_help": (
        "`/crm stages add <nom> <probabilité>` · `rename <étape> <nouveau nom>` · "
        "`probability <étape> <0-100>` · `fold|unfold <étape>` · `move <étape> <position>` · "
        "`delete <étape>`",
        "`/crm stages add <name> <probability>` · `rename <stage> <new name>` · "
        "`probability <stage> <0-100>` · `fold|unfold <stage>` · `move <stage> <position>` · "
        "`delete <stage>`",
    ),
    "stages_changed": ("Étapes mises à jour.", "Stages updated."),
    "stages_usage": ("Usage : {usage}", "Usage: {usage}"),
    # automation (admins)
    "runs_title": ("Exécutions récentes des automatisations", "Recent automation runs"),
    "runs_empty": ("Aucune exécution pour l'instant.", "No run yet."),
    "run_details": ("Détails", "Details"),
    "run_status": ("Résultat", "Outcome"),
    "run_record": ("Fiche et événement", "Record and event"),
    "run_started": ("Début", "Started"),
    "run_finished": ("Fin (ou reprise)", "Finished (or resumes)"),
    "run_no_steps": ("Aucune étape exécutée.", "No step ran."),
    "run_succeeded": ("réussie", "succeeded"),
    "run_failed": ("échouée", "failed"),
    "run_not_met": ("conditions non remplies", "conditions not met"),
    "run_waiting": ("en attente", "waiting"),
    "run_stopped": ("arrêtée", "stopped"),
    "run_running": ("en cours", "running"),
    "workflows_title": ("Automatisations", "Workflows"),
    "workflows_empty": ("Aucune automatisation.", "No workflow."),
    "workflow_active": ("active", "active"),
    "workflow_inactive": ("inactive", "inactive"),
    "workflow_on": ("Activer", "Activate"),
    "workflow_off": ("Désactiver", "Deactivate"),
    "workflow_never_ran": ("Jamais exécutée.", "Never ran."),
    "workflow_summary": (
        "{runs} exécution(s) : {ok} réussie(s), {bad} en échec, {not_met} sans suite, "
        "{waiting} en attente · dernière {last}",
        "{runs} run(s): {ok} succeeded, {bad} failed, {not_met} not met, {waiting} waiting"
        " · last {last}",
    ),
    # home
    "home_title": ("Relais", "Relais"),
    "home_hello": ("Bonjour {name} !", "Hello {name}!"),
    "home_pipeline": ("Mon pipeline", "My pipeline"),
    "home_due": ("À faire aujourd'hui et en retard", "Due today and overdue"),
    "home_new_deal": ("Nouvelle affaire", "New deal"),
    "home_refresh": ("Actualiser", "Refresh"),
    # help
    "help_title": ("Relais dans Slack : `/crm`", "Relais in Slack: `/crm`"),
    "help_body": (
        "• `/crm deal new <titre> [e-mail] [montant]` — créer une affaire "
        "(sans texte : un formulaire)\n"
        "• `/crm deal <n°|recherche>` — la fiche d'une affaire, ses transitions\n"
        "• `/crm pipeline` — mes affaires ouvertes par étape, montant pondéré\n"
        "• `/crm activities` — mes activités en retard et du jour (Fait / Reporter)\n"
        "• `/crm log <n° affaire> [call|meeting|email] <note>` — noter une activité\n"
        "• `/crm todo <n° affaire> <date|demain|+3j> <objet>` — planifier une tâche\n"
        "• `/crm leads` — nouvelles pistes (Prendre, Qualifier, Disqualifier, Convertir)\n"
        "• `/crm lead new <titre> [e-mail]` — créer une piste (sans texte : un formulaire)\n"
        "• `/crm quote <n° affaire> [CODE=QTÉ …]` — un devis (sans lignes : le formulaire)\n"
        "• `/crm stages` — gérer les étapes (administrateurs)\n"
        "• `/crm workflows` · `/crm runs [failed] [nom]` — automatisations et leurs exécutions"
        " (administrateurs)\n"
        "• `/crm help` — cette aide",
        "• `/crm deal new <title> [e-mail] [amount]` — create a deal (no text: a form)\n"
        "• `/crm deal <id|search>` — a deal's card and its moves\n"
        "• `/crm pipeline` — my open deals by stage, weighted revenue\n"
        "• `/crm activities` — my overdue and due activities (Done / Snooze)\n"
        "• `/crm log <deal id> [call|meeting|email] <note>` — log an activity\n"
        "• `/crm todo <deal id> <date|tomorrow|+3d> <subject>` — schedule a to-do\n"
        "• `/crm leads` — new leads (Claim, Qualify, Disqualify, Convert)\n"
        "• `/crm lead new <title> [e-mail]` — create a lead (no text: a form)\n"
        "• `/crm quote <deal id> [CODE=QTY …]` — a quote (no lines: the builder)\n"
        "• `/crm stages` — manage stages (admins)\n"
        "• `/crm workflows` · `/crm runs [failed] [name]` — workflows and their runs (admins)\n"
        "• `/crm help` — this help",
    ),
    "usage_log": ("Usage : `/crm log <n° affaire> <note>`", "Usage: `/crm log <deal id> <note>`"),
    "usage_todo": (
        "Usage : `/crm todo <n° affaire> <AAAA-MM-JJ|aujourd'hui|demain|+3j> <objet>`",
        "Usage: `/crm todo <deal id> <YYYY-MM-DD|today|tomorrow|+3d> <subject>`",
    ),
    "usage_deal": ("Usage : `/crm deal <n°|recherche>`", "Usage: `/crm deal <id|search>`"),
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "title": ("Titre", "Title"),
    "contact.email": ("E-mail du contact", "Contact e-mail"),
    "contact.name": ("Nom du contact", "Contact name"),
    "contact": ("Contact", "Contact"),
    "organisation": ("Organisation", "Organisation"),
    "expected_revenue": ("Montant prévu", "Expected amount"),
    "budget": ("Budget", "Budget"),
    "probability": ("Probabilité", "Probability"),
    "expected_close": ("Date de clôture prévue", "Expected close date"),
    "owner": ("Responsable", "Owner"),
    "stage": ("Étape", "Stage"),
    "stages": ("Étapes", "Stages"),
    "pipeline": ("Pipeline", "Pipeline"),
    "lost_reason": ("Raison de la perte", "Lost reason"),
    "reason": ("Raison", "Reason"),
    "status": ("Statut", "Status"),
    "subject": ("Objet", "Subject"),
    "kind": ("Type", "Type"),
    "due_at": ("Échéance", "Due date"),
    "name": ("Nom", "Name"),
    "key": ("Clé", "Key"),
    "record": ("Fiche", "Record"),
}

# The engine's own reasons (English), as a French reader reads them.
REASONS_FR: dict[str, str] = {
    "a deal needs a title": "une affaire a besoin d'un titre",
    "a lead needs a title": "une piste a besoin d'un titre",
    "say why the deal was lost": "dites pourquoi l'affaire est perdue",
    "say why the lead is disqualified": "dites pourquoi la piste est disqualifiée",
    "must not be negative": "ne peut pas être négatif",
    "probability is between 0 and 100": "la probabilité est entre 0 et 100",
    "must be between 0 and 100": "doit être entre 0 et 100",
    "an activity needs a subject": "une activité a besoin d'un objet",
    "a stage needs a name": "une étape a besoin d'un nom",
    "a stage needs a key": "une étape a besoin d'une clé",
    "the activity is already done": "l'activité est déjà faite",
    "a new deal cannot start in a closed stage": (
        "une affaire ne peut pas commencer dans une étape close"
    ),
}
MESSAGES.update(i18n_quotes.MESSAGES)
MESSAGES.update(i18n_requests.MESSAGES)
REASONS_FR.update(i18n_requests.REASONS_FR)


def lang(locale: str) -> int:
    return 0 if locale == "fr" else 1


def t(locale: str, key: str, /, **params: object) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[lang(locale)] or pair[1]
    return text.format(**params) if params else text


def field_label(locale: str, field: str) -> str:
    pair = FIELD_LABELS.get(field)
    return field if pair is None else pair[lang(locale)]


def reason(locale: str, text: str) -> str:
    """An engine reason in the reader's language when we know its French."""
    if locale == "fr":
        return REASONS_FR.get(text, text)
    return text


def money(amount: Decimal | None, currency: str, locale: str) -> str:
    if amount is None:
        return "—"
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, currency)
    grouped = f"{amount:,.2f}"
    if locale == "fr":
        grouped = grouped.replace(",", "\u202f").replace(".", ",")
        return f"{grouped}\u00a0{symbol}"
    return f"{symbol}{grouped}" if len(symbol) == 1 else f"{grouped} {symbol}"


def percent(value: int, locale: str) -> str:
    return f"{value}\u00a0%" if locale == "fr" else f"{value}%"


def when(moment: datetime, tz: str, locale: str) -> str:
    """A stored UTC moment in the reader's zone: ``12/06/2025 14:30`` or ``2025-06-12 14:30``."""
    local = moment.astimezone(clock.zone(tz))
    if locale == "fr":
        return local.strftime("%d/%m/%Y %H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def day(value: date, locale: str) -> str:
    return value.strftime("%d/%m/%Y") if locale == "fr" else value.isoformat()
