"""The organisation tree: typed units of any depth, moved safely."""

from __future__ import annotations

import pytest

from touchpoint.accounts.actions import TreeError, do_create_unit, do_move_unit, unit_time_zone
from touchpoint.accounts.models import Unit

pytestmark = pytest.mark.django_db


def test_moving_a_unit_rewrites_the_paths_of_its_whole_subtree(brand):
    other_vendor = do_create_unit(
        account=brand.account, kind="vendor", code="talkright", name="TalkRight", parent=brand.brand
    )
    do_move_unit(unit=brand.team, new_parent=other_vendor)
    team, agent = Unit.objects.get(pk=brand.team.pk), Unit.objects.get(pk=brand.agent.pk)
    assert team.path == f"{other_vendor.path}{team.pk}/" and team.depth == 2
    assert agent.path == f"{team.path}{agent.pk}/" and agent.depth == 3
    assert set(Unit.objects.filter(path__startswith=other_vendor.path)) == {
        other_vendor,
        team,
        agent,
    }


def test_a_unit_cannot_move_under_its_own_descendant(brand):
    with pytest.raises(TreeError, match="under itself"):
        do_move_unit(unit=brand.vendor, new_parent=brand.agent)


def test_only_a_brand_is_a_root_and_a_brand_has_no_parent(brand):
    with pytest.raises(TreeError):
        do_create_unit(account=brand.account, kind="store", code="x", name="X")
    with pytest.raises(TreeError):
        do_create_unit(account=brand.account, kind="brand", code="y", name="Y", parent=brand.north)


def test_a_parent_from_another_account_is_refused(brand, outsider):
    foreign_root = Unit.objects.get(account=outsider)
    with pytest.raises(TreeError, match="same account"):
        do_create_unit(
            account=brand.account, kind="region", code="z", name="Z", parent=foreign_root
        )


def test_time_zone_is_inherited_from_the_nearest_ancestor(brand):
    assert unit_time_zone(brand.store) == "Europe/Paris"  # the account's
    brand.north.time_zone = "Europe/London"
    brand.north.save()
    assert unit_time_zone(Unit.objects.get(pk=brand.store.pk)) == "Europe/London"
