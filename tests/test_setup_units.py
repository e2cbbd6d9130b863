"""The organisation from a file or an API: checked as a whole, planned, applied in one
transaction, and a second run changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.conftest import answer
from touchpoint.accounts.actions import do_create_api_key
from touchpoint.accounts.models import MemberInvitation, Membership, Unit
from touchpoint.notifications import people as people_mail
from touchpoint.responses.models import Response
from touchpoint.setup.models import SetupChange

pytestmark = pytest.mark.django_db

HEADER = "code,name,kind,parent,time_zone,managers,attribute.format\n"
# The brand fixture's tree, as its HR file lists it, with this week's changes: a new region
# with a store, Lille renamed, Nice moved to the north, a time zone and an attribute.
WEEK = HEADER + (
    "nimbus,Nimbus Mobile,brand,,,,\n"
    "north,North,region,nimbus,,,\n"
    "south,South,region,nimbus,,,\n"
    "east,East,region,nimbus,Europe/Berlin,,\n"
    "store-012,Lille Grand Place,store,north,,lea@nimbus.example:manager,mall\n"
    "store-040,Nice Port,store,north,,,street\n"
    "store-050,Strasbourg,store,east,,max@nimbus.example; ida@nimbus.example:viewer,\n"
    "callco,CallCo,vendor,nimbus,,,\n"
    "callco-t1,Team 1,team,callco,,,\n"
    "agent-431,Agent 431,agent,callco-t1,,,\n"
    "repair-3,Repair Centre 3,repair_centre,nimbus,,,\n"
)


def write(tmp_path, text: str, name: str = "units.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def units(brand) -> dict[str, Unit]:
    return {u.code: u for u in Unit.objects.filter(account=brand.account)}


def test_a_dry_run_prints_the_plan_and_changes_nothing(brand, tmp_path, capsys):
    before = list(Unit.objects.values_list("code", "name", "path", "is_active"))
    call_command("import-units", write(tmp_path, WEEK), "--dry-run")
    out = capsys.readouterr().out
    assert "added          east" in out and "added          store-050" in out
    assert "renamed        store-012" in out and "Lille Centre → Lille Grand Place" in out
    assert "moved          store-040" in out and "south → north" in out
    assert "invited        store-050" in out and "ida@nimbus.example (viewer)" in out
    assert "Plan (dry run, nothing changed): 2 added, 1 renamed, 1 moved" in out
    assert list(Unit.objects.values_list("code", "name", "path", "is_active")) == before
    assert not MemberInvitation.objects.exists()


def test_a_file_is_applied_in_one_go_and_a_second_run_changes_nothing(
    brand, tmp_path, capsys, smtp, django_capture_on_commit_callbacks
):
    file = write(tmp_path, WEEK)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import-units", file)
    assert "Applied: 2 added, 1 renamed, 1 moved" in capsys.readouterr().out
    tree = units(brand)
    assert tree["store-050"].parent == tree["east"]
    assert tree["store-050"].path == f"{tree['east'].path}{tree['store-050'].pk}/"
    assert tree["east"].time_zone == "Europe/Berlin"
    assert tree["store-012"].name == "Lille Grand Place"
    assert tree["store-012"].attributes == {"format": "mall"}
    assert tree["store-040"].path == f"{tree['north'].path}{tree['store-040'].pk}/"
    # Managers are invited through the invitation action: real mail, one link each.
    invited = {(i.email, i.role, i.unit.code) for i in MemberInvitation.objects.all()}
    assert invited == {
        ("lea@nimbus.example", "manager", "store-012"),
        ("max@nimbus.example", "manager", "store-050"),
        ("ida@nimbus.example", "viewer", "store-050"),
    }
    people_mail.send_due_member_mails()
    assert sorted(m["To"] for m in smtp.messages) == sorted(e for e, _r, _u in invited)
    # The change is on record, with its details.
    change = SetupChange.objects.get(subject="units")
    assert change.actor == "touchpoint import-units"
    assert change.after["counts"]["added"] == 2
    # Once more: the open invitations count as done, nothing moves, nobody is mailed again.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import-units", file)
    assert "Nothing to change" in capsys.readouterr().out
    people_mail.send_due_member_mails()
    assert len(smtp.messages) == 3
    assert SetupChange.objects.filter(subject="units").count() == 1


def test_a_moved_store_keeps_its_past_answers_where_they_were_given(brand, tmp_path):
    before = answer(brand, brand.other_store, 3)  # given at Nice, in the south
    call_command("import-units", write(tmp_path, WEEK))
    before.refresh_from_db()
    assert before.unit_path.startswith(Unit.objects.get(code="south").path)
    after = answer(brand, Unit.objects.get(code="store-040"), 9, n=1)
    assert after.unit_path.startswith(brand.north.path)


def test_units_missing_from_the_file_are_listed_and_closed_only_on_request(brand, tmp_path, capsys):
    without_repair = WEEK.replace("repair-3,Repair Centre 3,repair_centre,nimbus,,,\n", "")
    file = write(tmp_path, without_repair)
    call_command("import-units", file)
    assert "missing        repair-3" in capsys.readouterr().out
    assert Unit.objects.get(code="repair-3").is_active
    answer(brand, brand.repair_centre, 2)
    call_command("import-units", file, "--close-missing")
    assert "closed         repair-3" in capsys.readouterr().out
    closed = Unit.objects.get(code="repair-3")
    assert not closed.is_active
    assert Response.objects.filter(unit=closed).count() == 1  # its history stays
    call_command("import-units", write(tmp_path, WEEK, "again.csv"))
    assert "reopened       repair-3" in capsys.readouterr().out
    assert Unit.objects.get(code="repair-3").is_active


def test_a_bad_file_is_refused_as_a_whole_with_line_numbers(brand, tmp_path, capsys):
    before = list(Unit.objects.values_list("code", "name", "path", "is_active", "time_zone"))
    bad = HEADER + (
        "west,West,region,nimbus,Mars/Olympus,,\n"  # line 2: bad time zone
        "store-060,Brest,store,nowhere,,,\n"  # line 3: unknown parent
        "west,West again,region,nimbus,,,\n"  # line 4: repeats line 2
        "north,North,region,store-012,,,\n"  # line 5: a cycle through the tree
        "store-070,Rennes,shop,north,,bob@,\n"  # line 6: bad kind, bad email
    )
    with pytest.raises(CommandError, match="refused as a whole: 6 problem"):
        call_command("import-units", write(tmp_path, bad))
    err = capsys.readouterr().err
    assert "line 2.time_zone: Mars/Olympus is not a known time zone" in err
    assert "line 3.parent: no unit with code nowhere" in err
    assert "line 4.code: west repeats line 2" in err
    assert "line 5.parent: makes a cycle: north → store-012 → north" in err
    assert "line 6.kind: must be one of brand, region" in err
    assert "line 6.managers: bob@ is not an email address" in err
    after = list(Unit.objects.values_list("code", "name", "path", "is_active", "time_zone"))
    assert after == before


def test_a_cycle_within_the_file_is_refused(brand, tmp_path, capsys):
    loop = HEADER + "a,A,region,b,,,\nb,B,region,a,,,\n"
    with pytest.raises(CommandError):
        call_command("import-units", write(tmp_path, loop))
    assert "line 2.parent: makes a cycle: a → b → a" in capsys.readouterr().err


def test_closing_missing_units_needs_their_parents_in_the_file(brand, tmp_path, capsys):
    only_store = HEADER + "store-012,Lille,store,north,,,\n"
    with pytest.raises(CommandError):
        call_command("import-units", write(tmp_path, only_store), "--close-missing")
    assert "line 2.parent: north is not in the file" in capsys.readouterr().err


def test_people_follow_the_file_and_admins_are_never_removed(brand, people, tmp_path, capsys):
    # north-manager manages the north region; the file now names someone else.
    file = write(
        tmp_path,
        HEADER
        + "north,North,region,nimbus,,new@nimbus.example:manager,\n"
        + "nimbus,Nimbus Mobile,brand,,,ops@nimbus.example:viewer,\n",
    )
    call_command("import-units", file, "--account", "nimbus")
    out = capsys.readouterr().out
    assert "member_missing north" in out and "north-manager@example.com (manager)" in out
    assert Membership.objects.filter(user=people["north_manager"]).exists()
    call_command("import-units", file, "--account", "nimbus", "--remove-missing-members")
    assert not Membership.objects.filter(user=people["north_manager"]).exists()
    # cx-lead, admin of the brand, is not in the file and stays.
    assert Membership.objects.filter(user=people["brand_admin"], role="admin").exists()


def test_a_listed_member_with_another_role_gets_the_new_role(brand, people, tmp_path):
    file = write(
        tmp_path, HEADER + "north,North,region,nimbus,,north-manager@example.com:viewer,\n"
    )
    call_command("import-units", file, "--account", "nimbus")
    assert Membership.objects.get(user=people["north_manager"]).role == "viewer"


# --- the API ----------------------------------------------------------------------------------


def body(**extra) -> dict:
    return {
        "units": [
            {"code": "east", "name": "East", "kind": "region", "parent": "nimbus"},
            {
                "code": "store-050",
                "name": "Strasbourg",
                "kind": "store",
                "parent": "east",
                "attributes": {"sqm": 120},
                "managers": [{"email": "Max@Nimbus.example"}],
            },
        ],
        **extra,
    }


def test_the_api_plans_then_applies_by_unit_code(api, brand):
    dry = api.put("/api/v1/units", body(dry_run=True), content_type="application/json")
    assert dry.status_code == 200
    assert dry.json()["applied"] is False
    assert dry.json()["counts"]["added"] == 2 and dry.json()["counts"]["invited"] == 1
    assert not Unit.objects.filter(code="east").exists()
    done = api.put("/api/v1/units", body(), content_type="application/json")
    assert done.json()["applied"] is True
    assert Unit.objects.get(code="store-050").attributes == {"sqm": 120}
    assert MemberInvitation.objects.get().email == "max@nimbus.example"
    assert SetupChange.objects.get(subject="units").actor.startswith("API key “tests”")
    again = api.put("/api/v1/units", body(), content_type="application/json")
    assert again.json()["applied"] is False
    assert {k: v for k, v in again.json()["counts"].items() if v and k != "missing"} == {}


def test_the_api_names_each_field_at_fault_and_changes_nothing(api, brand):
    bad = body()
    bad["units"][1]["parent"] = "nowhere"
    bad["units"][0]["time_zone"] = "Europe/Nowhere"
    response = api.put("/api/v1/units", bad, content_type="application/json")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"units[0].time_zone", "units[1].parent"}
    assert not Unit.objects.filter(code="east").exists()
    shape = api.put("/api/v1/units", {"units": [{"code": "x"}]}, content_type="application/json")
    assert shape.status_code == 422
    assert {e["field"] for e in shape.json()["detail"]} == {"units.0.name", "units.0.kind"}


def test_a_key_limited_to_a_unit_cannot_change_the_organisation(brand):
    limited = do_create_api_key(account=brand.account, name="north", unit=brand.north).secret
    client = Client(headers={"Authorization": f"Bearer {limited}"})
    response = client.put("/api/v1/units", body(), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"][0]["field"] == "authorization"
    assert not Unit.objects.filter(code="east").exists()


# --- one unit on its page -----------------------------------------------------------------


def test_one_unit_is_renamed_and_moved_on_its_page_by_the_same_rules(brand, people):
    admin = Client()
    admin.force_login(people["brand_admin"])
    url = f"/setup/units/{brand.other_store.pk}/"
    refused = admin.post(url, {"name": "Nice", "kind": "store", "parent": "nowhere"})
    assert refused.status_code == 400
    assert "no unit with code nowhere" in refused.content.decode()
    assert admin.post(url, {"name": "Nice Vieux Port", "kind": "store", "parent": "north"})
    moved = Unit.objects.get(pk=brand.other_store.pk)
    assert moved.name == "Nice Vieux Port" and moved.parent == brand.north
    assert moved.path == f"{brand.north.path}{moved.pk}/"
    change = SetupChange.objects.get(subject="units")
    assert change.user == people["brand_admin"]
    assert {c["kind"] for c in change.after["changes"]} == {"renamed", "moved"}


def test_closing_a_unit_closes_its_subtree_and_reopening_brings_it_back(brand, people):
    admin = Client()
    admin.force_login(people["brand_admin"])
    admin.post(f"/setup/units/{brand.vendor.pk}/state", {"active": "0"})
    closed = set(Unit.objects.filter(is_active=False).values_list("code", flat=True))
    assert closed == {"callco", "callco-t1", "agent-431"}
    page = admin.get("/setup/units/").content.decode()
    assert "CallCo" not in page  # closed units are hidden unless asked for
    assert "CallCo" in admin.get("/setup/units/?closed=1").content.decode()
    refused = admin.post(f"/setup/units/{brand.team.pk}/state", {"active": "1"}, follow=True)
    assert "Reopen the unit above it first." in refused.content.decode()
    admin.post(f"/setup/units/{brand.vendor.pk}/state", {"active": "1"})
    assert Unit.objects.get(code="callco").is_active


def test_the_tree_is_searched_and_paged(brand, people, tmp_path):
    rows = HEADER + "".join(f"s-{n:03d},Shop {n},store,north,,,\n" for n in range(120))
    call_command("import-units", write(tmp_path, rows), "--account", "nimbus")
    admin = Client()
    admin.force_login(people["brand_admin"])
    north = admin.get(f"/setup/units/?unit={brand.north.pk}").content.decode()
    assert "Page 1 of 3 (121 in all)" in north
    found = admin.get("/setup/units/?q=shop 11").content.decode()
    assert "s-011" in found and "s-110" in found and "s-012" not in found
    assert "North" in found  # where each match sits
