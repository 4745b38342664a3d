"""The bot's words for quotes, in French and English: the builder, its lines, sending.

The quote flow's texts are the largest group of the bot's catalogue; kept
here and merged into :mod:`bot.i18n`'s catalogue, so ``t()`` finds them like
any other text.
"""

from __future__ import annotations

# key: (French, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "usage_quote": (
        "Usage : `/crm quote <n° affaire>` (le formulaire) ou "
        "`/crm quote <n° affaire> CODE=QTÉ …` (devis direct)",
        "Usage: `/crm quote <deal id>` (the form) or `/crm quote <deal id> CODE=QTY …` (at once)",
    ),
    "quote_title": ("Devis", "Quote"),
    "quote_heading": ("Devis {number}", "Quote {number}"),
    "quote_product": ("Produit {n}", "Product {n}"),
    "quote_quantity": ("Quantité", "Quantity"),
    "quote_pick_product": ("Choisissez un produit", "Pick a product"),
    "quote_add_line": ("Ajouter une ligne", "Add line"),
    "quote_price": ("Calculer le prix", "Price"),
    "quote_pdf": ("PDF", "PDF"),
    "quote_suggestions": ("Produits suggérés", "Suggested products"),
    "quote_suggestions_hint": (
        "Cochez-les pour les ajouter au devis, en une fois.",
        "Tick them to add them to the quote, in one batch.",
    ),
    "quote_suggested_by": ("suggéré par la règle {rule}", "suggested by rule {rule}"),
    "quote_suggested": ("Suggestions : {names}", "Suggested: {names}"),
    "quote_added_by": ("ajouté par la règle {rule}", "added by rule {rule}"),
    "quote_from_suggestion": ("suggestion acceptée", "accepted suggestion"),
    "quote_line_amounts": (
        "catalogue {list} · remise {discount} · net {net}",
        "list {list} · discount {discount} · net {net}",
    ),
    "quote_free": ("offert", "free"),
    "quote_subtotal": ("Sous-total catalogue HT", "Subtotal (list)"),
    "quote_discounts": ("Remises", "Discounts"),
    "quote_net": ("Total HT", "Total excl. tax"),
    "quote_taxes": ("TVA", "Taxes"),
    "quote_total": ("Total TTC", "Total incl. tax"),
    "quote_more_lines": ("… et {count} ligne(s) de plus", "… and {count} more line(s)"),
    "quote_saved": (
        "Devis {number} enregistré sur l'affaire #{id} : {total} TTC",
        "Quote {number} saved on deal #{id}: {total} incl. tax",
    ),
    "quote_deal_moved": ("L'affaire passe à l'étape {stage}.", "The deal moved to {stage}."),
    "quote_needs_transition": (
        "Pour passer l'affaire à l'étape {stage}, effectuez la transition :",
        "To move the deal to {stage}, perform the transition:",
    ),
    "quote_unknown_product": (
        "le produit {code} n'est pas au catalogue",
        "product {code} is not in the catalogue",
    ),
    "quote_inactive_product": (
        "le produit {code} n'est plus vendu",
        "product {code} is no longer sold",
    ),
    "quote_bad_quantity": (
        "« {value} » n'est pas une quantité (un nombre plus grand que 0)",
        "“{value}” is not a quantity (a number above 0)",
    ),
    "quote_bad_item": ("écrivez CODE=QUANTITÉ", "write CODE=QUANTITY"),
    "quote_no_lines": ("ajoutez au moins un produit", "add at least one product"),
    "quote_pdf_comment": (
        "Le devis {number}, à envoyer au client.",
        "Quote {number}, ready to send.",
    ),
    "quote_pdf_sent": (
        "📄 Le PDF du devis {number} est dans vos messages directs.",
        "📄 The PDF of quote {number} is in your direct messages.",
    ),
    "quote_send": ("Envoyer au client", "Send to client"),
    "quote_send_title": ("Envoyer au client", "Send to client"),
    "quote_send_submit": ("Envoyer", "Send"),
    "quote_send_to": ("Destinataire", "Recipient"),
    "quote_send_note": ("Message (facultatif)", "Message (optional)"),
    "quote_send_note_hint": (
        "Un paragraphe ajouté à l'e-mail, avant la formule de politesse.",
        "A paragraph added to the e-mail, before the sign-off.",
    ),
    "quote_send_attached": (
        "Le PDF du devis est joint à l'e-mail, dans la langue du client.",
        "The quote's PDF is attached to the e-mail, in the client's language.",
    ),
    "quote_send_bad_to": (
        "« {to} » n'est pas une adresse e-mail valide",
        "“{to}” is not a valid e-mail address",
    ),
    "quote_send_rejected": (
        "Le devis {number} a été refusé : il ne peut plus être envoyé. Faites-en un nouveau.",
        "Quote {number} was rejected: it cannot be sent any more. Make a new one.",
    ),
    "quote_send_queued": (
        "📧 Le devis {number} part pour {to}, avec {file}.",
        "📧 Quote {number} is on its way to {to}, with {file}.",
    ),
    "quote_send_waiting": (
        "📭 Le devis {number} pour {to} ({file}) attend dans la boîte d'envoi : aucun relais "
        "SMTP n'est configuré (`RELAIS_SMTP_RELAY_HOST`). Il partira dès qu'il le sera.",
        "📭 Quote {number} for {to} ({file}) is waiting in the outbox: no SMTP relay is "
        "configured (`RELAIS_SMTP_RELAY_HOST`). It goes as soon as one is.",
    ),
    "quote_send_marked": (
        "Le devis est maintenant « envoyé ».",
        "The quote is now marked sent.",
    ),
}
