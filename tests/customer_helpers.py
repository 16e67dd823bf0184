"""The customer and the referral that the customer store and screen tests share.

Maria Okafor, registered with the desk's customer form and referred to Housing
Options, urgently, with her consent: the store tests and the screen tests both
start from her, so she is written down once here.
"""

from __future__ import annotations

MARIA = {
    "given_name": "Maria",
    "family_name": "Okafor",
    "date_of_birth": "11/02/1984",
    "address": "Flat 3, 12 Mere Road",
    "postcode": "EM1 4QT",
    "phone": "07700 900101",
    "no_email": "yes",
    "preferred_contact": "phone",
}
"""The customer form as an advisor fills it in for Maria."""

REFERRAL_CHOICES = {
    "to_team": "housing-options",
    "reason_category": "Housing and homelessness",
    "urgency": "urgent",
    "consent": "given",
    "consent_method": "in person, verbal",
}
"""The referral form's drop-down choices: everything but the story."""

STORY = "I have to leave my flat on Friday."
