"""Who is behind a received mail: a form's visitor, the Reply-To, the sender or the envelope.

Split from :mod:`engine.mail.intake` (which decides what the mail becomes); the
sender lists of the routing policy (form senders, allow, deny) are read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.crm.contacts import EmailAddress, normalize_email, normalize_phone
from engine.mail.incoming import FormData, IncomingMail
from engine.mail.routes import IntakePolicy


@dataclass(frozen=True, slots=True)
class Prospect:
    email: EmailAddress | None
    name: str = ""
    phone: str | None = None
    company: str | None = None
    message: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    is_form: bool = False

    @property
    def key(self) -> str | None:
        return self.email.key if self.email else None


def listed(entries: frozenset[str], email: str | None) -> bool:
    """An address is listed by itself, by its domain, or by a parent domain."""
    if not email or "@" not in email:
        return False
    email = email.casefold()
    if email in entries:
        return True
    parts = email.rpartition("@")[2].split(".")
    return any(
        ".".join(parts[i:]) in entries or "@" + ".".join(parts[i:]) in entries
        for i in range(len(parts) - 1)
    )


def find_prospect(mail: IncomingMail, policy: IntakePolicy, mail_from: str = "") -> Prospect:
    """The person behind the mail: the form's fields, Reply-To, the sender, the envelope."""
    form = mail.form if _is_form(mail, policy) else None
    if form is not None:
        return _form_prospect(mail, form)
    person = mail.sender
    if mail.reply_to and _is_form_sender(mail, policy):
        person = mail.reply_to
    email = _valid_email(person.email if person else "") or _valid_email(mail_from)
    return Prospect(email, (person.name if person else "").strip(), message=mail.note)


def _is_form_sender(mail: IncomingMail, policy: IntakePolicy) -> bool:
    return mail.sender is not None and listed(policy.form_senders, mail.sender.email)


def _is_form(mail: IncomingMail, policy: IntakePolicy) -> bool:
    """A configured form sender, or labelled fields naming someone else than the sender."""
    if mail.form is None:
        return False
    if _is_form_sender(mail, policy):
        return True
    sender = (mail.sender.email if mail.sender else "").casefold()
    other = {a.casefold() for a in (mail.form.email, mail.reply_to.email if mail.reply_to else "")}
    return bool(other - {"", sender})


def _form_prospect(mail: IncomingMail, form: FormData) -> Prospect:
    email = _valid_email(form.email) or _valid_email(mail.reply_to.email if mail.reply_to else "")
    name = " ".join(p for p in (form.first_name.strip(), form.name.strip()) if p)
    if not name and mail.reply_to:
        name = mail.reply_to.name.strip()
    custom = {label: value for label, value in form.extra.items() if value.strip()}
    phone = None
    if form.phone:
        try:
            phone = normalize_phone(form.phone)
        except ValueError:
            custom["phone"] = form.phone
    if form.subject:
        custom.setdefault("subject", form.subject)
    message = form.message.strip() or mail.note
    return Prospect(email, name, phone, form.company.strip() or None, message, custom, True)


def _valid_email(text: str) -> EmailAddress | None:
    if not text or "@" not in text:
        return None
    try:
        return normalize_email(text)
    except ValueError:
        return None
