"""Coverage arithmetic: where a citation (date span, volume, issue) lies against a range."""
from __future__ import annotations

from datetime import date

from hypothesis import assume, given, settings, strategies as st

from linkresolver.coverage import FULL, NONE, PARTIAL, UNKNOWN, Point, check, check_window
from linkresolver.dates import OPEN_HI, OPEN_LO, day_span, month_span, year_span

ords = st.integers(min_value=date(1900, 1, 1).toordinal(), max_value=date(2100, 12, 31).toordinal())
spans = st.tuples(ords, ords).map(sorted)


def o(y, m=1, d=1):
    return date(y, m, d).toordinal()


def point(span, volume=None, issue=None):
    return Point(span.lo, span.hi, volume, issue)


# --- examples -----------------------------------------------------------------------------------------------------

def test_year_citation_against_a_range_starting_mid_year_is_partial():
    verdict = check(point(year_span(1995)), o(1995, 6), OPEN_HI)
    assert (verdict.status, verdict.reason) == (PARTIAL, "start_unclear")


def test_volume_settles_a_straddled_start():
    # coverage starts June 1995 with v.12 no.3; the citation says 1995, v.12 no.5 -> inside; no.1 -> outside
    assert check(point(year_span(1995), 12, 5), o(1995, 6), OPEN_HI, 12, 3).status == FULL
    assert check(point(year_span(1995), 12, 1), o(1995, 6), OPEN_HI, 12, 3).status == NONE
    assert check(point(year_span(1995), 11), o(1995, 6), OPEN_HI, 12, 3).status == NONE


def test_dates_decide_before_volumes():
    # a date clearly inside wins over a volume number that looks outside (volumes restart, typos happen)
    assert check(point(year_span(2000), 1), o(1990), OPEN_HI, 5).status == FULL


def test_ended_coverage():
    verdict = check(point(month_span(2002, 3)), o(1990), year_span(2001).hi)
    assert (verdict.status, verdict.reason) == (NONE, "after_end")


def test_journal_level_citations_are_inside_any_range():
    assert check(Point(), o(1990), o(1991)).status == FULL


def test_volume_only_citation_against_volume_bounds():
    assert check(Point(volume=7), OPEN_LO, OPEN_HI, 3, UNKNOWN, 12, UNKNOWN).status == FULL
    assert check(Point(volume=13), OPEN_LO, OPEN_HI, 3, UNKNOWN, 12, UNKNOWN).status == NONE


def test_print_runs_without_years_cannot_confirm_a_date():
    # "v.1-12" and a citation giving only a year: maybe
    assert check(point(year_span(1995)), UNKNOWN, UNKNOWN, 1, UNKNOWN, 12, UNKNOWN).status == PARTIAL


def test_day_precision_citation():
    assert check(point(day_span(2001, 5, 31)), o(2001, 6), OPEN_HI).status == NONE
    assert check(point(day_span(2001, 6, 1)), o(2001, 6), OPEN_HI).status == FULL


def test_embargo_window_without_a_date():
    assert check_window(Point(volume=3), OPEN_LO, o(2020)).status == PARTIAL
    assert check_window(Point(), OPEN_LO, o(2020)).status == FULL
    assert check_window(Point(), o(2021), o(2020)).status == NONE  # nothing available at all


# --- properties ------------------------------------------------------------------------------------------------

@settings(max_examples=400)
@given(c=spans, r=spans)
def test_date_status_is_exactly_containment(c, r):
    verdict = check(Point(c[0], c[1]), r[0], r[1])
    if r[0] <= c[0] and c[1] <= r[1]:
        assert verdict.status == FULL
    elif c[1] < r[0] or c[0] > r[1]:
        assert verdict.status == NONE
    else:
        assert verdict.status == PARTIAL


@settings(max_examples=400)
@given(c=spans, r=spans, grow_lo=st.integers(0, 5000), grow_hi=st.integers(0, 5000),
       vol=st.none() | st.integers(1, 50), v_lo=st.integers(1, 50), v_hi=st.integers(1, 50))
def test_widening_a_range_never_lowers_the_status(c, r, grow_lo, grow_hi, vol, v_lo, v_hi):
    assume(v_lo <= v_hi)
    p = Point(c[0], c[1], vol)
    narrow = check(p, r[0], r[1], v_lo, UNKNOWN, v_hi, UNKNOWN).status
    wide = check(p, r[0] - grow_lo, r[1] + grow_hi, max(v_lo - 1, 1), UNKNOWN, v_hi + 1, UNKNOWN).status
    assert wide >= narrow


@settings(max_examples=400)
@given(c=spans, r=spans, cut=st.floats(0, 1), cut2=st.floats(0, 1))
def test_a_narrower_citation_inside_a_full_one_is_full(c, r, cut, cut2):
    if check(Point(c[0], c[1]), r[0], r[1]).status != FULL:
        return
    a = c[0] + int((c[1] - c[0]) * min(cut, cut2))
    b = c[0] + int((c[1] - c[0]) * max(cut, cut2))
    assert check(Point(a, b), r[0], r[1]).status == FULL


@settings(max_examples=300)
@given(c=spans, w=spans)
def test_window_agrees_with_a_range_of_the_same_days(c, w):
    assert check_window(Point(c[0], c[1]), w[0], w[1]).status == check(Point(c[0], c[1]), w[0], w[1]).status


@settings(max_examples=300)
@given(c=spans, r=spans)
def test_open_bounds_only_ever_help(c, r):
    p = Point(c[0], c[1])
    closed = check(p, r[0], r[1]).status
    assert check(p, OPEN_LO, r[1]).status >= closed
    assert check(p, r[0], OPEN_HI).status >= closed
    assert check(p, OPEN_LO, OPEN_HI).status == FULL
