"""The bot's words about requests themselves, in French and English.

Out-of-date buttons and forms, a form that changed while it was open, and
the French of the input bounds' refusals. A module of its own beside
:mod:`bot.i18n` (one catalogue per subject, as :mod:`bot.i18n_quotes`), merged there,
so ``t()`` and ``reason()`` find them like any other text.
"""

from __future__ import annotations

from engine.api import MAX_INTEGER_DIGITS, TOO_LARGE

# key: (French, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "stale_button": (
        "Ce bouton n'est plus à jour (il vient d'un ancien message, ou la fiche a changé) : "
        "relancez la commande, par exemple `/crm help`.",
        "This button is out of date (it comes from an older message, or the record changed): "
        "run the command again, e.g. `/crm help`.",
    ),
    "stale_title": ("Formulaire périmé", "Out-of-date form"),
    "stale_form": (
        "Ce formulaire n'est plus à jour : fermez-le et recommencez depuis la commande.",
        "This form is out of date: close it and start again from the command.",
    ),
    "form_changed": (
        "Le formulaire a changé pendant qu'il était ouvert : vérifiez-le et validez à nouveau.",
        "The form changed while it was open: check it and submit again.",
    ),
}

# An engine reason (English) → its French.
REASONS_FR: dict[str, str] = {
    TOO_LARGE: f"un montant a au plus {MAX_INTEGER_DIGITS} chiffres avant la virgule",
    "not a date (YYYY-MM-DD)": "pas une date (AAAA-MM-JJ)",
}
