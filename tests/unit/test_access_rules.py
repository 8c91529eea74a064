"""The rules of who sees what, without a server: where a sign-in may send the browser
next, what a provider's groups give, and that a wall never holds personal data."""

import pytest

from api.signin import _safe_next
from config import AccessSettings, Grant
from services.access import Principal, grant_of_groups
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
