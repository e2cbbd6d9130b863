"""The official Delighted Node client (npm `delighted`, unchanged) runs a migration scenario
against a live Touchpoint: only its host, port and base path change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from touchpoint.contacts.models import Contact
from touchpoint.surveys.models import Invitation, RecurringMember

NODE_DIR = Path(__file__).parent / "node"


@pytest.fixture(scope="session")
def node_client():
    if not shutil.which("node") or not shutil.which("npm"):
        pytest.skip("Node.js and npm are needed (bin/test installs them)")
    if not (NODE_DIR / "node_modules" / "delighted").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
            cwd=NODE_DIR,
            check=True,
            timeout=300,
        )
    return NODE_DIR / "scenario.js"


def test_the_node_client_runs_a_migration_scenario(
    node_client, live_server, transactional_db, brand
):
    address = urlsplit(live_server.url)
    env = {
        **os.environ,
        "DELIGHTED_KEY": brand.api_key,
        # Node tries ::1 first for "localhost"; the live server listens on IPv4 only.
        "DELIGHTED_HOST": "127.0.0.1" if address.hostname == "localhost" else address.hostname,
        "DELIGHTED_PORT": str(address.port),
    }
    run = subprocess.run(
        ["node", str(node_client)],
        cwd=NODE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout)

    assert seen["created"]["properties"] == {"plan": "pro", "question_product_name": "Nimbus X5"}
    assert seen["created"]["scheduled"] is not None
    assert seen["listed"] == ["ana@example.com", *(f"p{i}@example.com" for i in range(4))]
    assert seen["response"]["created_at"] == 1767225600
    assert seen["expanded_email"] == "ana@example.com"
    assert seen["metrics"]["response_count"] == 1 and seen["metrics"]["nps"] == 100
    assert seen["unsubscribes"] == ["p0@example.com"]
    assert seen["bounces"] == []
    assert seen["pending"] == {"ok": True}
    pending = Invitation.objects.get(contact__email="p1@example.com")
    assert (pending.state, pending.reason) == ("suppressed", "cancelled")
    assert seen["members"] == ["p2@example.com"] and seen["removed"] == "p2@example.com"
    assert not RecurringMember.objects.exists()
    assert seen["deleted"] == {"ok": True}
    assert not Contact.objects.filter(email="p3@example.com").exists()
    assert seen["invalid"]["type"] == "ResourceValidationError"
    assert json.loads(seen["invalid"]["message"])["errors"] == {
        "score": ["must be a whole number from 0 to 10"]
    }
