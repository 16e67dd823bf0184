"""A supervisor's approval of a repeat claim: their own signature over what they approved.

When the repeat-claim policy needs a supervisor, the supervisor types their
passcode at the advisor's desk; the desk derives their signing key
(``cxdesk.domain.staff_keys``) and signs the **content** of the issue as it
stands at that moment: the issue id, the customer, the kind of event, the
serial, the amount, the advisor's reason and the override reason. The
approval travels in the issue's payload (``approval``: who and the signature).

Changing any of those after the approval voids it: the desk refuses to record
an issue whose content differs from what was signed (the screen asks for the
approval again), and the central API verifies the signature over the issue's
own fields against the approver's public key as the roster stood then, so an
approval cannot be invented, moved to another issue, or stretched to a larger
amount. The signature has its own prefix, so it can never pass as an event
signature or the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxdesk.domain.staff_keys import APPROVAL_PREFIX, StaffKeys, verify_signature
from cxdesk.events.envelope import canonical_json

APPROVED_FIELDS = (
    "issue_id",
    "customer_id",
    "kind",
    "serial",
    "value_pence",
    "reason",
    "override_reason",
)


def approval_content(event_kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What an approval of this issue covers, from its payload (and event kind)."""
    fields = {name: payload.get(name) for name in APPROVED_FIELDS if name != "kind"}
    return {**fields, "kind": event_kind}


def approval_message(content: dict[str, Any]) -> bytes:
    return APPROVAL_PREFIX + canonical_json({k: content.get(k) for k in APPROVED_FIELDS}).encode()


@dataclass(frozen=True)
class Approval:
    """A supervisor's signed approval of one issue's content."""

    by: str
    name: str
    content: dict[str, Any]
    signature: str

    def payload(self) -> dict[str, str]:
        """The ``approval`` field of the issue's payload."""
        return {"by": self.by, "signature": self.signature}


def sign_approval(keys: StaffKeys, staff_id: str, name: str, content: dict) -> Approval:
    return Approval(staff_id, name, dict(content), keys.sign(approval_message(content)))


def changed_fields(approval: Approval, content: dict[str, Any]) -> list[str]:
    """The approved fields that differ between ``approval`` and the issue about to be made."""
    return [k for k in APPROVED_FIELDS if approval.content.get(k) != content.get(k)]


def approval_problem(public_key: str | None, event_kind: str, payload: dict) -> str | None:
    """Why an issue's ``approval`` does not prove the approver approved exactly this issue."""
    approval = payload.get("approval") or {}
    if not verify_signature(
        public_key,
        approval_message(approval_content(event_kind, payload)),
        approval.get("signature"),
    ):
        return (
            f"the approval by {approval.get('by')} does not match this issue "
            "(changed after approval, or not their signature)"
        )
    return None
