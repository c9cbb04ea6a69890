"""Subsidy policies with effective dates, and the supplier ranking policies."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from linkresolver.errors import PolicyError
from linkresolver.policy import SubsidyPolicies
from linkresolver.suppliers import Candidate, RankingConfig, SupplierStats

POLICIES = SubsidyPolicies.load()
IN_2013, IN_2014, IN_2015, IN_2026 = date(2013, 6, 1), date(2014, 12, 31), date(2015, 1, 1), date(2026, 11, 22)


def cost(price, region, province=None, day=IN_2013, channel="dispatch", service="delivery", **kw):
    return POLICIES.cost(price, service=service, channel=channel, province=province, region=region, day=day, **kw)


@pytest.mark.parametrize("day", [IN_2013, IN_2014])
@pytest.mark.parametrize("region, province, share", [
    ("east", "11", 0.50), ("west", "51", 0.75), ("west", "65", 1.0), ("west", "54", 1.0),
])
def test_2013_policy(day, region, province, share):
    c = cost(40, region, province, day)
    assert c.policy == "calis-2013"
    assert (c.subsidy, c.reader_pays) == (round(40 * share, 2), round(40 * (1 - share), 2))


@pytest.mark.parametrize("day", [IN_2015, IN_2026])
@pytest.mark.parametrize("region, province, share", [
    ("east", "11", 0.0), ("west", "51", 0.5), ("west", "65", 1.0), ("west", "54", 1.0),
])
def test_2015_policy(day, region, province, share):
    c = cost(40, region, province, day)
    assert c.policy == "calis-2015"
    assert (c.subsidy, c.reader_pays) == (round(40 * share, 2), round(40 * (1 - share), 2))


def test_2015_caps_the_subsidy_at_100_yuan_per_request():
    west = cost(300, "west", "61", IN_2026, service="ill")
    assert (west.subsidy, west.reader_pays) == (100.0, 200.0) and "capped" in west.note
    xinjiang = cost(300, "west", "65", IN_2026)
    assert (xinjiang.subsidy, xinjiang.reader_pays) == (100.0, 200.0)
    under = cost(180, "west", "61", IN_2026)
    assert (under.subsidy, under.reader_pays) == (90.0, 90.0)
    # 2013 had no cap
    assert cost(300, "west", "65", IN_2013).subsidy == 300.0


def test_2013_only_subsidises_requests_routed_through_the_dispatch_center():
    c = cost(40, "west", "65", IN_2013, channel="partner")
    assert (c.subsidy, c.reader_pays, c.policy) == (0.0, 40.0, "calis-2013")


def test_2015_partners_follow_their_own_rules():
    c = cost(40, "east", "11", IN_2026, channel="partner", own_rate=0.5, own_cap=15)
    assert (c.subsidy, c.reader_pays) == (15.0, 25.0)
    assert cost(40, "east", "11", IN_2026, channel="partner").subsidy == 0.0


def test_before_any_policy_nothing_is_subsidised():
    c = cost(40, "west", "65", date(2012, 12, 31))
    assert (c.subsidy, c.reader_pays, c.policy) == (0.0, 40.0, None)


def test_unknown_reader_library_gets_no_subsidy_but_a_reason():
    c = POLICIES.cost(40, service="delivery", channel="dispatch", province=None, region=None, day=IN_2026)
    assert c.subsidy == 0.0 and "unknown" in c.note


@settings(max_examples=300)
@given(price=st.decimals(min_value=0, max_value=5000, places=2), day=st.dates(date(2010, 1, 1), date(2030, 12, 31)),
       region=st.sampled_from(["east", "central", "west"]), province=st.sampled_from(["11", "51", "54", "65", "42"]),
       channel=st.sampled_from(["dispatch", "partner"]), own=st.none() | st.floats(0, 1))
def test_cost_arithmetic(price, day, region, province, channel, own):
    c = POLICIES.cost(float(price), service="delivery", channel=channel, province=province, region=region, day=day,
                      own_rate=own, own_cap=50)
    assert 0 <= c.subsidy <= c.price
    assert abs(c.subsidy + c.reader_pays - c.price) < 0.005
    policy = POLICIES.in_force(day)
    if policy is not None and policy.cap is not None and channel == "dispatch":
        assert c.subsidy <= policy.cap
    if policy is None:
        assert c.subsidy == 0


def test_policies_must_not_overlap_and_rates_must_be_shares():
    base = {"id": "a", "effective_from": "2013-01-01", "effective_until": "2015-06-30", "rates": {"region": {}}}
    later = {"id": "b", "effective_from": "2015-01-01", "rates": {"region": {}}}
    with pytest.raises(PolicyError):
        SubsidyPolicies.from_data({"policies": [base, later]})
    with pytest.raises(PolicyError):
        SubsidyPolicies.from_data({"policies": [{**later, "rates": {"region": {"west": 1.5}}}]})


# --- ranking --------------------------------------------------------------------------------------------------

RANKING = RankingConfig.load()


def cand(code, price=20.0, hours=48.0, fill=0.8, load=0, certain=True, same=False):
    return Candidate(code, SupplierStats(code, delivery_price=price, response_hours=hours, fill_rate=fill,
                                         open_requests=load), certain, same)


POOL = [cand("CHEAP", price=5, hours=90, fill=0.7), cand("FAST", price=30, hours=6, fill=0.8),
        cand("FILLS", price=25, hours=40, fill=0.99), cand("LOCAL", price=20, hours=50, fill=0.85, same=True),
        cand("IDLE", price=20, hours=48, fill=0.85, load=0), cand("BUSY", price=20, hours=48, fill=0.85, load=400)]


@pytest.mark.parametrize("policy, first", [("cheapest", "CHEAP"), ("fastest", "FAST"), ("best_fill", "FILLS"),
                                           ("local_first", "LOCAL")])
def test_lexicographic_policies(policy, first):
    ranked = RANKING.policy(policy).rank(POOL, "delivery", "k", 6)
    assert ranked[0].code == first and len(ranked) == 6


def test_spreading_load_prefers_idle_suppliers():
    ranked = [c.code for c in RANKING.policy("spread_load").rank(POOL, "delivery", "k", 6)]
    assert ranked.index("IDLE") < ranked.index("BUSY")


def test_weighted_policy_prefers_certain_holdings():
    sure = cand("SURE", price=40, hours=70, fill=0.75)
    maybe = cand("MAYBE", price=5, hours=6, fill=0.99, certain=False)
    assert RANKING.policy("balanced").rank([maybe, sure], "delivery", "k", 2)[0].code == "SURE"


def test_ties_spread_across_requests_but_are_stable_per_request():
    twins = [cand(f"T{i}") for i in range(5)]
    policy = RANKING.policy("balanced")
    firsts = {policy.rank(twins, "delivery", f"citation-{n}", 1)[0].code for n in range(200)}
    assert len(firsts) == 5
    assert policy.rank(twins, "delivery", "same", 5) == policy.rank(list(reversed(twins)), "delivery", "same", 5)


def test_ranking_data_is_checked():
    with pytest.raises(PolicyError):
        RankingConfig.from_data({"active": "x", "policies": {"x": {"kind": "lexicographic", "order": ["beauty"]}}})
    with pytest.raises(PolicyError):
        RankingConfig.from_data({"active": "missing", "policies": {}})
