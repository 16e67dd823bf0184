"""The customer's confirmation of a referral: plain text, the key information first.

Written for the person leaving the desk, in the order they need it: their
reference, which team has their details, when and how the team will contact
them, anything they must do, and the number to call if nothing happens. The
same text is shown on screen and saved to a file the advisor can print or
send; nothing about the customer's story is in it, in case it is lost.

The number to call comes from the team's directory entry when that line is
public. Priority direct lines are for staff only, so for those the letter
gives the public fallback passed in (the Customer Service Centre), or says to
contact any council desk with the reference.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from cxdesk.domain.referrals import URGENCIES, due_text
from cxdesk.domain.ukcontact import format_phone_national

LONDON = ZoneInfo("Europe/London")
WIDTH = 72
_HOW = {
    "phone": "by phone on {phone}",
    "text": "by text message to {phone}, then a call",
    "email": "by email to {email}",
    "letter": "by letter to your address",
    "in person": "in person: they will phone {phone} to arrange it",
}


class LetterReferral(Protocol):
    """What the letter reads of a referral (``referral_queries.ReferralRecord`` has it)."""

    @property
    def reference(self) -> str: ...
    @property
    def advice_only(self) -> bool: ...
    @property
    def to_team(self) -> str: ...
    @property
    def to_team_name(self) -> str: ...
    @property
    def urgency(self) -> str: ...
    @property
    def due_at(self) -> str | None: ...
    @property
    def customer_actions(self) -> str: ...


class LetterCustomer(Protocol):
    """What the letter reads of a customer (``customer_queries.CustomerRecord`` has it)."""

    @property
    def given_name(self) -> str: ...
    @property
    def family_name(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def preferred_contact(self) -> str | None: ...
    @property
    def contact_times(self) -> str | None: ...


def _contact_how(customer: LetterCustomer) -> str:
    method = customer.preferred_contact or "phone"
    phone = format_phone_national(customer.phone) if customer.phone else "your phone"
    how = _HOW.get(method, _HOW["phone"]).format(phone=phone, email=customer.email or "")
    if customer.contact_times:
        how += f" ({customer.contact_times})"
    return how


def referral_confirmation(
    referral: LetterReferral,
    customer: LetterCustomer,
    *,
    team_phone: str | None,
    team_phone_public: bool,
    fallback_phone: str | None = None,
    location_name: str = "",
    printed_at: datetime | None = None,
) -> str:
    """The confirmation text for one referral (or one record of advice given)."""
    lines = [f"Your reference: {referral.reference}", ""]
    name = f"{customer.given_name} {customer.family_name}"
    phone = team_phone if team_phone and team_phone_public else fallback_phone
    if referral.advice_only:
        # Nobody will be in touch, so "if you have not heard by then" would be wrong: say
        # which service this was about and how to reach it if they change their mind.
        service = referral.to_team_name or ""
        if not service or referral.to_team == "advice":
            service = "the service we talked about"
        lines += [f"For: {name}", f"About: {service}", ""]
        lines += textwrap.wrap(
            f"You chose not to have your details passed to {service}, so nothing has been "
            "sent to them and they will not contact you. What we talked about is noted on "
            "your council record.",
            WIDTH,
        )
        lines.append("")
        reach = (
            f"call {format_phone_national(phone)}"
            if phone
            else "come back to any council desk or hub"
        )
        lines += textwrap.wrap(
            f"If you change your mind, or want to contact {service} yourself, {reach} "
            f"and give your reference {referral.reference}.",
            WIDTH,
        )
        when = (printed_at or datetime.now(LONDON)).astimezone(LONDON)
        lines += ["", f"Given at {location_name or 'the council'} on {when:%d %B %Y at %H:%M}."]
        return "\n".join(lines) + "\n"
    else:
        due = due_text(referral.due_at) if referral.due_at else ""
        lines += [
            f"For: {name}",
            f"Passed to: {referral.to_team_name}",
            f"They will contact you {due} ({URGENCIES[referral.urgency]}),",
            f"  {_contact_how(customer)}.",
            "You will not need to tell your story again: they have what you told us.",
        ]
    if referral.customer_actions:
        lines += ["", "What you need to do:"]
        lines += textwrap.wrap(
            referral.customer_actions, WIDTH, initial_indent="  ", subsequent_indent="  "
        )
    lines.append("")
    if phone:
        lines.append(f"If you have not heard by then, call {format_phone_national(phone)}")
        lines.append(f"and give your reference {referral.reference}.")
    else:
        lines.append("If you have not heard by then, contact any council desk or hub")
        lines.append(f"and give your reference {referral.reference}.")
    when = (printed_at or datetime.now(LONDON)).astimezone(LONDON)
    lines += ["", f"Given at {location_name or 'the council'} on {when:%d %B %Y at %H:%M}."]
    return "\n".join(lines) + "\n"


def save_letter(text: str, folder: Path, reference: str) -> Path:
    """Write the letter to ``folder/<reference>.txt`` (private to this user); returns the path."""
    from cxdesk.store.printouts import write_private_text

    return write_private_text(folder / f"referral-{reference}.txt", text)
