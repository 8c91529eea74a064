"""The rules of who sees what, without a server: where a sign-in may send the browser
next, what a provider's groups give, and that a wall never holds personal data."""

from functools import partial

import pytest

from api.signin import _safe_next
from config import AccessSettings, Grant, ReportKind
from services.access import Principal, grant_of_groups, sees_report
from services.accounts import AccountError, LoginThrottle, new_account


@pytest.mark.parametrize("target", ["/explore", "/explore?range=7d", "/feeds"])
def test_a_path_of_this_site_is_where_a_sign_in_goes_next(target):
    assert _safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\t/evil.example", "/\n/x", "/\\evil.example", "https://evil.example",
     "evil.example", "", None, "/ /x"],
)  # fmt: skip
def test_nothing_else_is(target):
    assert _safe_next(target) is None


def test_the_widest_role_among_a_users_groups_wins_and_unknown_groups_give_nothing():
    access = AccessSettings(groups={
        "waste": Grant(role="department", departments=["waste"]),
        "roads": Grant(role="department", departments=["traffic"], personal_data=True),
        "room": Grant(role="operator"),
    })  # fmt: skip
    both = grant_of_groups(["waste", "roads"], access)
    assert (both.role, both.departments, both.personal_data) == (
        "department", ["traffic", "waste"], True)  # fmt: skip
    assert grant_of_groups(["waste", "room"], access).role == "operator"
    assert grant_of_groups(["visitors"], access) is None


def test_a_wall_never_holds_personal_data():
    assert Principal("lobby", "wall", personal_data=True).personal_data is False
    with pytest.raises(AccountError, match="a wall never sees personal data"):
        new_account("lobby", "wall", "a long passphrase", personal_data=True)


def test_failed_sign_ins_count_per_key_and_names_never_tried_are_not_kept():
    throttle = LoginThrottle()
    throttle.failed(["user:ada", "addr:10.0.0.1"])
    assert not throttle.blocked(["user:ada"], limit=2)
    throttle.failed(["user:ada"])
    assert throttle.blocked(["user:ada"], limit=2)
    assert not throttle.blocked(["user:bob"], limit=2) and "user:bob" not in throttle._failures


def test_a_department_scoped_to_zones_filters_within_them():
    maria = Principal("maria", "department", ("waste",), zones=("A", "B"))
    assert maria.zone_filter() == ["A", "B"]  # nothing asked: their zones
    assert maria.zone_filter(["B", "C"]) == ["B"]  # asked: within theirs
    assert maria.zone_filter(["C"]) == ["\x00"]  # only others': nothing
    assert (maria.sees_zone("A"), maria.sees_zone("C"), maria.sees_zone(None)) == (
        True, False, False)  # fmt: skip
    assert maria.label == "maria · department (waste; zones A, B)"
    assert maria.labelled({"A": "Kallio"}) == "maria · department (waste; zones Kallio, B)"
    city_wide = Principal("tom", "department", ("waste",))
    assert city_wide.zone_filter() == [] and city_wide.sees_zone(None)
    assert Principal("olli", "operator", zones=("A",)).zones == ()  # zones narrow departments


def test_zones_are_a_department_grant_and_a_group_without_zones_gives_every_zone():
    with pytest.raises(ValueError, match="zones narrow a department only"):
        Grant(role="operator", zones=["A"])
    with pytest.raises(ValueError, match="names its departments"):
        Grant(role="department")
    with pytest.raises(AccountError, match="zones narrow a department only"):
        new_account("olli", "operator", "a long passphrase", zones=["A"])
    access = AccessSettings(groups={
        "waste-a": Grant(role="department", departments=["waste"], zones=["A"]),
        "waste-b": Grant(role="department", departments=["waste"], zones=["B"]),
        "waste": Grant(role="department", departments=["waste"]),
    })  # fmt: skip
    assert grant_of_groups(["waste-a", "waste-b"], access).zones == ["A", "B"]
    assert grant_of_groups(["waste-a", "waste"], access).zones == []


def test_a_department_scoped_to_zones_sees_reports_of_its_zones_only():
    maria = Principal("maria", "department", ("waste",), zones=("A", "B"))
    kind = partial(ReportKind, name="r", title="R", cron="0 6 * * *")
    assert sees_report(maria, kind(department="waste", zones=["A"]))
    assert not sees_report(maria, kind(department="waste"))  # the whole city's
    assert not sees_report(maria, kind(department="waste", zones=["A", "C"]))
    assert not sees_report(maria, kind(department="traffic", zones=["A"]))
    assert sees_report(Principal("tom", "department", ("waste",)), kind(department="waste"))
    assert sees_report(Principal("olli", "operator"), None)  # a kind no longer configured
    assert not sees_report(maria, None)
