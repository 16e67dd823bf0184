"""Seed the demo council's locations and staff roster from ``fixtures/``.

``fixtures/locations.json`` gives the Customer Service Centre, the hubs and the
back office; ``fixtures/staff.json`` gives fictional staff with *demo*
passcodes, published so anyone can try the demo. The roster carries public
signing keys only (``cxdesk.domain.staff_keys``), as a real one would.

Deriving a key is deliberately slow (~70 ms each at OWASP cost), and tests and
demos reseed often, so the roster fields are cached by (staff id, passcode
digest, parameters) in memory and in a small JSON file in the user's cache
folder (``CXDESK_CACHE_DIR`` overrides). The cache holds only public keys of
published demo passcodes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from cxdesk import locations
from cxdesk.seed import SeedEvent
from cxdesk.session import ROLE_LABELS, may_sign_in_at

ORDER = 10
_memory: dict[str, dict[str, str]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class DemoAccount:
    staff_id: str
    name: str
    role: str
    passcode: str
    locations: tuple[str, ...]

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def _records(path: Path, key: str) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get(key, []) if isinstance(data, dict) else data


def staff_records(fixtures_dir: Path | None = None) -> list[dict]:
    path = (fixtures_dir or locations.fixtures_dir()) / "staff.json"
    return _records(path, "staff") if path.exists() else []


def seed_admin(fixtures_dir: Path | None = None) -> str:
    """The staff id the demo's administrative seed events are recorded under."""
    for person in staff_records(fixtures_dir):
        if person.get("role") == "admin":
            return person["staff_id"]
    return "ADMIN1"


def demo_accounts(
    fixtures_dir: Path | None = None, location: str | None = None
) -> list[DemoAccount]:
    """One demo account per role, preferring someone who may sign in at ``location``."""
    chosen: dict[str, DemoAccount] = {}
    for person in staff_records(fixtures_dir):
        role = person.get("role", "")
        if not person.get("passcode") or person.get("active") is False:
            continue
        account = DemoAccount(
            person["staff_id"],
            person["name"],
            role,
            person["passcode"],
            tuple(person.get("locations", ())),
        )
        if role not in chosen or (
            not may_sign_in_at(role, chosen[role].locations, location)
            and may_sign_in_at(role, account.locations, location)
        ):
            chosen[role] = account
    order = list(ROLE_LABELS)
    return sorted(chosen.values(), key=lambda a: order.index(a.role) if a.role in order else 99)


def _derivation_fingerprint() -> str:
    """A digest of the key-derivation module's source.

    The cache outlives the code that filled it: a file written by another version
    of the derivation would hand the demo roster keys that no passcode derives
    (every demo sign-in "wrong"). Naming the file after the code that made it
    retires it the moment that code changes.
    """
    from cxdesk.domain import staff_keys

    return hashlib.sha256(Path(staff_keys.__file__).read_bytes()).hexdigest()[:16]


def _cache_file() -> Path:
    folder = os.environ.get("CXDESK_CACHE_DIR") or platformdirs.user_cache_dir("cxdesk", False)
    return Path(folder) / f"demo-staff-keys-{_derivation_fingerprint()}.json"


def _load_cache() -> None:
    if _memory:
        return
    with contextlib.suppress(OSError, ValueError):
        _memory.update(json.loads(_cache_file().read_text(encoding="utf-8")))


def _save_cache() -> None:
    path = _cache_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(_memory, sort_keys=True), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written only makes the next seed slower


def demo_key_fields(staff_id: str, passcode: str) -> dict[str, str]:
    """Roster key fields (``public_key``, ``key_salt``, ``key_params``) of a demo passcode.

    Computed once per (staff id, passcode, today's parameters).
    """
    from cxdesk.domain.staff_keys import current_params, enrol_keys

    params = current_params()
    key = f"{staff_id}:{hashlib.sha256(passcode.encode()).hexdigest()}:{params.text()}"
    with _lock:
        _load_cache()
        found = _memory.get(key)
        if not isinstance(found, dict) or set(found) != {"public_key", "key_salt", "key_params"}:
            found = _memory[key] = enrol_keys(passcode, params).roster_fields()
            _save_cache()
    return dict(found)


def events(fixtures_dir: Path) -> Iterator[SeedEvent]:
    admin = seed_admin(fixtures_dir)
    places = fixtures_dir / "locations.json"
    if places.exists():
        for place in _records(places, "locations"):
            payload = {
                k: place[k]
                for k in ("location_id", "name", "kind", "address", "postcode", "hours")
                if k in place
            }
            if isinstance(payload.get("hours"), dict | list):
                payload["hours"] = json.dumps(payload["hours"])
            yield SeedEvent("LocationDefined", payload, actor=admin, role="admin")
    for person in staff_records(fixtures_dir):
        payload = {
            "staff_id": person["staff_id"],
            "name": person["name"],
            "role": person["role"],
            "locations": list(person["locations"]),
            **demo_key_fields(person["staff_id"], person["passcode"]),
        }
        yield SeedEvent("StaffEnrolled", payload, actor=admin, role="admin")
        if person.get("active") is False:
            yield SeedEvent("StaffRemoved", {"staff_id": person["staff_id"]}, admin, "admin")
