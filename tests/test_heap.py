"""lib/heap.py: intake's batches pause the cyclic collector and always turn it back on."""

from __future__ import annotations

import gc
import json

import pytest

from touchpoint.lib.heap import collection_paused


@pytest.fixture(autouse=True)
def collector_on():
    assert gc.isenabled()
    yield
    gc.enable()


def test_the_collector_is_off_inside_and_on_again_after():
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_turns_the_collector_back_on():
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("a batch that fails")
    assert gc.isenabled()


def test_only_the_outermost_pause_turns_it_back_on():
    with collection_paused():
        with collection_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_turned_off_elsewhere_stays_off():
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


@pytest.mark.django_db
def test_an_intake_request_leaves_the_collector_on_whatever_it_answers(api, brand):
    good = {
        "touchpoint": "store-purchase",
        "unit": "store-012",
        "occurred_at": "2026-11-20T09:00:00+01:00",
        "contact": {"email": "zoe@example.com"},
    }
    for body, status in [
        (good, 201),
        ({**good, "unit": "nowhere"}, 404),
        ({**good, "contact": {}}, 422),
    ]:
        response = api.post("/api/v1/interactions", json.dumps(body), "application/json")
        assert response.status_code == status, response.content
        assert gc.isenabled()


@pytest.mark.django_db
@pytest.mark.parametrize("frozen_first", [False, True])
def test_an_import_checked_by_workers_leaves_the_frozen_objects_as_it_found_them(
    brand, tmp_path, monkeypatch, frozen_first
):
    """The check pass freezes what its forked workers inherit; it unfreezes after only when
    nothing was frozen before (the import command freezes the loaded application first)."""
    from touchpoint.intake import csv_import

    monkeypatch.setattr(csv_import, "check_workers", lambda path: 2)
    path = tmp_path / "interactions.csv"
    path.write_text(
        "touchpoint,unit,occurred_at,contact_email\n"
        "store-purchase,store-012,2026-11-20T09:00:00+01:00,zoe@example.com\n"
    )
    gc.unfreeze()
    if frozen_first:
        gc.freeze()
    try:
        report = csv_import.import_interactions(brand.account, str(path))
        assert report.imported == 1
        assert (gc.get_freeze_count() > 0) is frozen_first
    finally:
        gc.unfreeze()
