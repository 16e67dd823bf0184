"""What ``cxdesk admin verify`` checks against the server's signed word.

The hash chain alone cannot catch a store whose events were deleted and the
chain re-made, with the tables rebuilt to match: everything then agrees with
everything else. The server's signatures can, because a desk cannot make them:

- the latest **receipt**: this desk's own chain must still pass through the
  event the server signed for (a deleted or re-made synced event is caught);
- every **feed page** mark: the events the desk holds in each page's range of
  feed places must be exactly the ones the server sent (count and digest), the
  pages must follow one another up to the cursor (another desk's voucher
  deleted together with its acknowledgement is caught);
- every other desk's chain as the feed carries it: in feed order its
  ``device_seq`` only rises (a desk's events reach the server in chain order).
"""

from __future__ import annotations

from cxdesk.store import sync_queries as queries
from cxdesk.sync import apply, receipts


def audit_problems(store) -> list[str]:
    problems: list[str] = []
    key = queries.sync_state(store).server_key
    problems += _receipt_problems(store, key)
    problems += _page_problems(store, key)
    problems += _feed_order_problems(store)
    return problems


def _receipt_problems(store, key: str | None) -> list[str]:
    signed = receipts.from_text(queries.sync_state(store).receipt)
    if signed is None:
        return []
    if key and not receipts.verified(key, signed):
        return ["receipt: the server's receipt kept here does not carry the server's signature"]
    problem = apply.chain_contradicts_receipt(store)
    return [f"receipt: {problem}"] if problem else []


def _page_problems(store, key: str | None) -> list[str]:
    problems: list[str] = []
    expected: int | None = None
    for page in queries.signed_pages(store):
        after, next_ = page.after, page.next
        signed = receipts.from_text(page.mark)
        mark = signed.mark() if signed else None
        if signed is None or mark is None or (key and not receipts.verified(key, signed)):
            problems.append(f"feed places {after + 1}-{next_}: the server's signed page is damaged")
            expected = next_
            continue
        if expected is not None and after != expected:
            problems.append(
                f"feed places {expected + 1}-{after}: no page the server signed covers them"
            )
        expected = next_
        if not mark.digest:
            continue  # a page the server could not audit: its place in the sequence only
        digest = receipts.PageDigest(store.device_id or "")
        for held in queries.page_events(store, page):
            digest.add(held.server_seq, held.event_id, held.hash, held.device)
        if digest.count != mark.count:
            problems.append(
                f"feed places {after + 1}-{next_}: the server sent {mark.count} events, "
                f"this desk holds {digest.count} (events deleted here?)"
            )
        elif digest.hexdigest() != mark.digest:
            problems.append(
                f"feed places {after + 1}-{next_}: the events held are not the ones the server sent"
            )
    cursor = queries.sync_state(store).cursor
    if expected is not None and expected < cursor:
        problems.append(
            f"feed places {expected + 1}-{cursor}: no page the server signed covers them"
        )
    return problems


def _feed_order_problems(store) -> list[str]:
    problems: list[str] = []
    last: dict[str, int] = {}
    for step in queries.others_in_feed_order(store):
        device, seq = step.device, step.device_seq
        if seq <= last.get(device, 0):
            problems.append(
                f"{device}#{seq}: out of chain order in the feed (place {step.server_seq})"
            )
        last[device] = seq
    return problems[:20]
