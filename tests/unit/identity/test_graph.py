"""The in-memory identity graph: stitching, guardrails, unmerge; no database."""

from __future__ import annotations

from datetime import UTC, datetime

from persona360.identity.graph import IdentityGraph
from persona360.settings import Settings

AT = datetime(2026, 1, 1, tzinfo=UTC)


def graph(limits: dict[str, int] | None = None, blocked: set[tuple[str, str]] | None = None) -> IdentityGraph:
    return IdentityGraph(limits or {"email": 3}, blocked or set())


def observe(g: IdentityGraph, *keys: tuple[str, str]) -> int:
    return g.observe(list(keys), "record", 1, None, AT)


def test_shared_identifier_joins_two_records_into_one_component() -> None:
    g = graph()
    first = observe(g, ("id:shop", "1234"), ("email", "jane@x.org"))
    second = observe(g, ("phone", "+380671234567"), ("email", "jane@x.org"))
    assert g.profile_of(first) == g.profile_of(second)
    assert len(g.members(g.profile_of(first))) == 3


def test_edges_are_recorded_once_with_their_reason() -> None:
    g = graph()
    observe(g, ("user_id", "u1"), ("anonymous_id", "a1"))
    observe(g, ("user_id", "u1"), ("anonymous_id", "a1"))
    delta = g.take_delta()
    assert [(e.reason, e.status) for e in delta.new_edges] == [("record", "active")]


def test_blocklisted_identifier_never_links() -> None:
    g = graph(blocked={("email", "test@example.com")})
    a = observe(g, ("id:shop", "1"), ("email", "test@example.com"))
    b = observe(g, ("id:shop", "2"), ("email", "test@example.com"))
    assert g.profile_of(a) != g.profile_of(b)
    delta = g.take_delta()
    assert {e.status for e in delta.new_edges} == {"blocked"}
    assert [code for _, code, _ in delta.log] == ["merge_blocked", "merge_blocked"]


def test_blocklisted_identifier_is_never_the_anchor() -> None:
    g = graph(blocked={("email", "test@example.com")})
    anchor = observe(g, ("email", "test@example.com"), ("phone", "+380671234567"))
    assert g.key_of(anchor) == ("phone", "+380671234567")


def test_limit_per_kind_stops_a_shared_device_fusing_people() -> None:
    g = graph(limits={"email": 2})
    for n in range(4):
        observe(g, ("anonymous_id", "family-tablet"), ("email", f"person{n}@x.org"))
    profile = g.profile_of(g.identifier_id(("anonymous_id", "family-tablet")) or 0)
    emails = [g.key_of(m) for m in g.members(profile) if g.key_of(m)[0] == "email"]
    assert len(emails) == 2
    assert any(code == "merge_blocked" for _, code, _ in g.take_delta().log)


def test_larger_component_keeps_its_id_and_the_other_is_recorded_as_merged() -> None:
    g = graph()
    observe(g, ("user_id", "big"), ("email", "a@x.org"))
    observe(g, ("user_id", "big"), ("phone", "+380671234567"))
    small = observe(g, ("user_id", "small"))
    big = g.profile_of(g.identifier_id(("user_id", "big")) or 0)
    g.take_delta()
    observe(g, ("user_id", "small"), ("email", "a@x.org"))
    delta = g.take_delta()
    assert delta.merges == {small: big}


def test_split_detaches_identifier_with_what_hangs_on_it_and_blocks_refusion() -> None:
    g = graph()
    observe(g, ("user_id", "u1"), ("email", "a@x.org"))
    observe(g, ("user_id", "u1"), ("anonymous_id", "tablet"))
    observe(g, ("anonymous_id", "tablet"), ("email", "kid@x.org"))
    delta = g.take_delta()
    edges = [(e.a, e.b) for e in delta.new_edges]
    tablet = g.identifier_id(("anonymous_id", "tablet")) or 0
    kid = g.identifier_id(("email", "kid@x.org")) or 0
    u1 = g.identifier_id(("user_id", "u1")) or 0
    new_profile = g.split(tablet, edges, AT)
    assert g.profile_of(tablet) == g.profile_of(kid) == new_profile
    assert g.profile_of(u1) != new_profile
    g.take_delta()
    observe(g, ("user_id", "u1"), ("email", "kid@x.org"))
    assert g.profile_of(u1) != g.profile_of(kid)
    assert g.take_delta().new_edges[0].status == "blocked"


def test_alias_previous_id_resolves_to_the_kind_the_graph_knows() -> None:
    g = graph()
    observe(g, ("anonymous_id", "anon-7"))
    anchor = g.observe([("user_id", "u7"), ("previous_id", "anon-7")], "alias", 1, None, AT)
    assert g.profile_of(anchor) == g.profile_of(g.identifier_id(("anonymous_id", "anon-7")) or 0)
    assert g.identifier_id(("user_id", "anon-7")) is None


def test_a_family_limit_covers_every_namespace() -> None:
    g = graph(limits={"id:*": 2})
    for n in range(5):
        observe(g, ("email", "test@shop.example"), ("id:shop", f"cust-{n}"))
    profile = g.profile_of(g.identifier_id(("email", "test@shop.example")) or 0)
    assert sum(1 for m in g.members(profile) if g.key_of(m)[0] == "id:shop") == 2


def guarded() -> IdentityGraph:
    return IdentityGraph({"user_id": 3}, set(), ["anonymous_id", "handle:*"], ["user_id", "id:*"])


def test_family_tablet_does_not_join_two_accounts_and_stays_with_the_first() -> None:
    g = guarded()
    observe(g, ("anonymous_id", "tablet"))  # browsing before anyone logs in
    mum = observe(g, ("user_id", "mum"), ("anonymous_id", "tablet"))
    son = observe(g, ("user_id", "son"), ("email", "son@x.org"), ("anonymous_id", "tablet"))
    tablet = g.identifier_id(("anonymous_id", "tablet")) or 0
    assert g.profile_of(tablet) == g.profile_of(mum) != g.profile_of(son)
    assert g.profile_of(g.identifier_id(("email", "son@x.org")) or 0) == g.profile_of(son)
    assert observe(g, ("anonymous_id", "tablet")) == tablet  # anonymous browsing stays with mum
    delta = g.take_delta()
    blocked = [e for e in delta.new_edges if e.status == "blocked"]
    assert [{g.key_of(e.a), g.key_of(e.b)} for e in blocked] == [{("user_id", "son"), ("anonymous_id", "tablet")}]
    assert blocked[0].detail == "anonymous_id:tablet is shared by two profiles that each hold their own user_id"
    assert [code for _, code, _ in delta.log] == ["merge_blocked"]


def test_family_tablet_still_joins_an_account_to_a_profile_without_one() -> None:
    g = guarded()
    observe(g, ("anonymous_id", "tablet"), ("email", "newsletter@x.org"))  # a sign-up form, no account
    mum = observe(g, ("user_id", "mum"), ("anonymous_id", "tablet"))
    assert g.profile_of(mum) == g.profile_of(g.identifier_id(("email", "newsletter@x.org")) or 0)
    assert {e.status for e in g.take_delta().new_edges} == {"active"}


def test_the_guard_also_sees_an_account_reached_through_a_strong_identifier() -> None:
    g = guarded()
    observe(g, ("user_id", "mum"), ("anonymous_id", "tablet"))
    observe(g, ("user_id", "son"), ("id:shop", "c-2"), ("email", "son@x.org"))
    observe(g, ("email", "son@x.org"), ("anonymous_id", "tablet"))  # a form on the tablet, not logged in
    assert g.profile_of(g.identifier_id(("email", "son@x.org")) or 0) != g.profile_of(
        g.identifier_id(("user_id", "mum")) or 0
    )
    observe(g, ("user_id", "mum"), ("id:shop", "c-1"))
    observe(g, ("id:shop", "c-2"), ("handle:instagram", "itsolena"))
    observe(g, ("id:shop", "c-1"), ("handle:instagram", "itsolena"))  # two Olenas, one handle style
    mum = g.profile_of(g.identifier_id(("user_id", "mum")) or 0)
    assert g.profile_of(g.identifier_id(("id:shop", "c-2")) or 0) != mum


def test_a_weak_identifier_joins_accounts_of_different_kinds_and_a_manual_merge_overrides() -> None:
    g = guarded()
    web = observe(g, ("user_id", "u1"), ("anonymous_id", "phone-browser"))
    shop = observe(g, ("id:shop", "c-1"), ("anonymous_id", "phone-browser"))
    assert g.profile_of(web) == g.profile_of(shop)  # user_id and id:shop are not one namespace
    son = observe(g, ("user_id", "u2"), ("anonymous_id", "phone-browser"))
    assert g.profile_of(son) != g.profile_of(web)
    assert g.link(son, web, "manual_merge", 1, None, AT, force=True) == "active"
    assert g.profile_of(son) == g.profile_of(web)


def test_without_weak_kinds_the_tablet_joins_everyone_as_before() -> None:
    g = graph(limits={"user_id": 3})
    mum = observe(g, ("user_id", "mum"), ("anonymous_id", "tablet"))
    son = observe(g, ("user_id", "son"), ("anonymous_id", "tablet"))
    assert g.profile_of(mum) == g.profile_of(son)


def emails_shared() -> IdentityGraph:
    return IdentityGraph({"user_id": 3}, set(), ["anonymous_id"], ["user_id", "id:*"], ["email"])


def test_one_address_given_by_two_accounts_does_not_join_them_without_a_second_tie() -> None:
    g = emails_shared()
    ivan = observe(g, ("user_id", "c-1"), ("email", "ivan1991@gmail.com"), ("anonymous_id", "ivan-phone"))
    other = observe(g, ("user_id", "c-2"), ("email", "ivan1991@gmail.com"), ("anonymous_id", "other-laptop"))
    assert g.profile_of(other) != g.profile_of(ivan)
    assert g.profile_of(g.identifier_id(("anonymous_id", "other-laptop")) or 0) == g.profile_of(other)
    blocked = [e for e in g.take_delta().new_edges if e.status == "blocked"]
    assert [{g.key_of(e.a), g.key_of(e.b)} for e in blocked] == [{("user_id", "c-2"), ("email", "ivan1991@gmail.com")}]
    assert blocked[0].detail == (
        "email:ivan1991@gmail.com is given by two profiles that each hold their own user_id, "
        "and nothing else in the record ties them"
    )


def test_a_guest_checkout_from_the_persons_own_browser_joins_their_account() -> None:
    g = emails_shared()
    own = observe(g, ("user_id", "c-1"), ("email", "olena@ukr.net"), ("anonymous_id", "olena-phone"))
    guest = observe(g, ("user_id", "c-9"), ("email", "olena@ukr.net"), ("anonymous_id", "olena-phone"))
    assert g.profile_of(guest) == g.profile_of(own)
    order = observe(g, ("id:shop", "c-1"), ("email", "olena@ukr.net"), ("phone", "+380501234567"))
    phone_order = observe(g, ("id:shop", "c-7"), ("email", "olena@ukr.net"), ("phone", "+380501234567"))
    assert g.profile_of(order) == g.profile_of(phone_order) == g.profile_of(own)  # the phone ties them
    assert {e.status for e in g.take_delta().new_edges} == {"active"}


def test_an_address_still_joins_records_without_an_account_and_the_guard_can_be_off() -> None:
    g = emails_shared()
    account = observe(g, ("user_id", "c-1"), ("email", "olena@ukr.net"))
    contact = observe(g, ("email", "olena@ukr.net"), ("phone", "+380501234567"))  # a newsletter contact
    assert g.profile_of(contact) == g.profile_of(account)
    off = IdentityGraph({"user_id": 3}, set(), [], ["user_id"], [])
    first = observe(off, ("user_id", "c-1"), ("email", "ivan1991@gmail.com"))
    second = observe(off, ("user_id", "c-2"), ("email", "ivan1991@gmail.com"))
    assert off.profile_of(first) == off.profile_of(second)


def defaults() -> IdentityGraph:
    """The graph with the guardrails a workspace gets by default."""
    settings = Settings()
    return IdentityGraph(
        settings.identifier_limits,
        set(),
        settings.identifier_weak_kinds,
        settings.identifier_owner_kinds,
        settings.identifier_shared_kinds,
    )


def test_a_home_phone_given_by_two_accounts_does_not_join_them_by_default() -> None:
    g = defaults()
    mum = observe(g, ("user_id", "c-1"), ("phone", "+380441234567"), ("anonymous_id", "mum-laptop"))
    son = observe(g, ("user_id", "c-2"), ("phone", "+380441234567"), ("anonymous_id", "son-phone"))
    assert g.profile_of(son) != g.profile_of(mum)
    blocked = [e for e in g.take_delta().new_edges if e.status == "blocked"]
    assert [{g.key_of(e.a), g.key_of(e.b)} for e in blocked] == [{("user_id", "c-2"), ("phone", "+380441234567")}]


def test_a_guest_order_with_another_persons_address_and_own_phone_does_not_fuse_the_two_accounts() -> None:
    g = defaults()
    ivan = observe(g, ("user_id", "c-1"), ("email", "ivan1991@gmail.com"), ("anonymous_id", "ivan-phone"))
    petro = observe(g, ("user_id", "c-2"), ("phone", "+380501112233"), ("anonymous_id", "petro-laptop"))
    # A guest checkout (a new shop customer id) with the address Ivan also uses and Petro's own phone:
    # the new id joins the address's profile (no account of its kind there), and then the phone would
    # have joined Ivan's account to Petro's.
    observe(g, ("id:shop", "c-9"), ("email", "ivan1991@gmail.com"), ("phone", "+380501112233"))
    assert g.profile_of(petro) != g.profile_of(ivan)


def test_by_default_a_persons_guest_order_with_own_address_and_phone_joins_their_account() -> None:
    g = defaults()
    own = observe(g, ("user_id", "c-1"), ("email", "olena@ukr.net"), ("anonymous_id", "olena-phone"))
    ticket = observe(g, ("phone", "+380501234567"), ("email", "olena.k@gmail.com"))  # a support ticket, no account
    order = observe(g, ("id:shop", "c-7"), ("email", "olena@ukr.net"), ("phone", "+380501234567"))
    assert g.profile_of(order) == g.profile_of(own) == g.profile_of(ticket)
    second = observe(g, ("user_id", "c-8"), ("phone", "+380501234567"), ("anonymous_id", "olena-phone"))
    assert g.profile_of(second) == g.profile_of(own)  # her own browser ties the new account to the phone
    assert {e.status for e in g.take_delta().new_edges} == {"active"}


def test_a_forced_merge_leaves_the_guards_the_joined_kinds() -> None:
    """A merge counts no kinds (it asks no guard); the next guard must still see both profiles' identifiers."""
    g = graph(limits={"email": 2})
    big = observe(g, ("id:shop", "1"), ("email", "a@x.org"), ("phone", "+380671234567"))
    observe(g, ("id:shop", "1"), ("phone", "+380671234568"))  # a guarded link: the big profile's kinds get counted
    small = observe(g, ("id:shop", "2"), ("email", "b@x.org"))  # all new: nothing counted
    assert g.link(big, small, "manual_merge", 1, None, AT, force=True) == "active"
    joined = g.profile_of(big)
    assert g.profile_of(small) == joined
    third = observe(g, ("id:shop", "3"), ("email", "c@x.org"))
    observe(g, ("email", "c@x.org"), ("id:shop", "1"))  # would bring the joined profile a third email
    assert g.profile_of(third) != joined
    assert g.take_delta().log[-1][1] == "merge_blocked"
