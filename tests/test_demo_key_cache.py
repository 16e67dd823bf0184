"""The demo roster's key cache never hands out keys another derivation made."""

from __future__ import annotations

import hashlib
import json

from cxdesk.domain.staff_keys import KeyParams, current_params, derive_staff_keys
from cxdesk.seed import staff


def test_a_cache_from_other_derivation_code_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("CXDESK_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(staff, "_memory", {})
    wrong = {"public_key": "00" * 32, "key_salt": "11" * 16, "key_params": "m=64,t=1,p=1"}
    digest = hashlib.sha256(b"advisor-demo-1").hexdigest()
    poisoned = {f"A1001:{digest}:{current_params().text()}": wrong}
    # Files a different version of the derivation could have left behind.
    (tmp_path / "demo-staff-keys.json").write_text(json.dumps(poisoned))
    (tmp_path / "demo-staff-keys-0000000000000000.json").write_text(json.dumps(poisoned))

    fields = staff.demo_key_fields("A1001", "advisor-demo-1")

    derived = derive_staff_keys(
        "advisor-demo-1", fields["key_salt"], KeyParams.parse(fields["key_params"])
    )
    assert derived.public_key == fields["public_key"]
    assert staff._cache_file().name.startswith("demo-staff-keys-")
    assert staff._cache_file().name != "demo-staff-keys-0000000000000000.json"
    assert staff._cache_file().exists()
