"""Dates with precision and KBART embargo semantics (NISO RP-9 "embargo_info")."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from linkresolver.dates import OPEN_HI, OPEN_LO, ordinal, parse_citation_date, parse_kbart_date
from linkresolver.embargo import parse_embargo

D = date.fromordinal
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
lengths = st.integers(min_value=1, max_value=120)
units = st.sampled_from("DMY")


# --- dates ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, first, last, precision", [
    ("1995", date(1995, 1, 1), date(1995, 12, 31), "year"),
    ("1995-06", date(1995, 6, 1), date(1995, 6, 30), "month"),
    ("2000-02", date(2000, 2, 1), date(2000, 2, 29), "month"),
    ("1987-02-01", date(1987, 2, 1), date(1987, 2, 1), "day"),
])
def test_kbart_dates_keep_their_precision(text, first, last, precision):
    span = parse_kbart_date(text)
    assert (D(span.lo), D(span.hi), span.precision) == (first, last, precision)
    assert span.iso() == text


@pytest.mark.parametrize("text", ["95", "1995-13", "1995-02-30", "June 1995", "2013-10-1x"])
def test_kbart_dates_that_are_not_dates_are_refused(text):
    with pytest.raises(ValueError):
        parse_kbart_date(text)


@pytest.mark.parametrize("text, first, last", [
    ("2008-03", date(2008, 3, 1), date(2008, 3, 31)),
    ("Spring 2001", date(2001, 3, 1), date(2001, 5, 31)),
    ("2001 Fall", date(2001, 9, 1), date(2001, 11, 30)),
    ("Winter 2001", date(2001, 1, 1), date(2001, 3, 31)),
    ("March 15, 2008", date(2008, 3, 15), date(2008, 3, 15)),
    ("15 Mar. 2008", date(2008, 3, 15), date(2008, 3, 15)),
    ("2008 Mar", date(2008, 3, 1), date(2008, 3, 31)),
    ("20080315", date(2008, 3, 15), date(2008, 3, 15)),
    ("03/2008", date(2008, 3, 1), date(2008, 3, 31)),
    ("2008年3月", date(2008, 3, 1), date(2008, 3, 31)),
    ("２００８年", date(2008, 1, 1), date(2008, 12, 31)),
    ("2001-2002", date(2001, 1, 1), date(2002, 12, 31)),
    ("1999/00", date(1999, 1, 1), date(2000, 12, 31)),
    ("Q2 2010", date(2010, 4, 1), date(2010, 6, 30)),
    ("c1998.", date(1998, 1, 1), date(1998, 12, 31)),
    ("2008-02-30", date(2008, 1, 1), date(2008, 12, 31)),  # an impossible day: only the year is trusted
])
def test_citation_dates_as_real_sources_send_them(text, first, last):
    span = parse_citation_date(text)
    assert (D(span.lo), D(span.hi)) == (first, last)


@pytest.mark.parametrize("text", ["", "n.d.", "forthcoming", "vol 12"])
def test_citation_dates_without_a_year(text):
    assert parse_citation_date(text) is None


# --- embargoes: the examples of the recommended practice --------------------------------------------------------

TODAY = date(2026, 11, 22)


def window(text: str, today: date = TODAY) -> tuple[date | None, date | None]:
    lo, hi = parse_embargo(text).window(today)
    return (None if lo == OPEN_LO else D(lo)), (None if hi == OPEN_HI else D(hi))


def test_p1y_is_everything_except_the_current_calendar_year():
    assert window("P1Y") == (None, date(2025, 12, 31))


def test_r2y_is_the_previous_and_the_current_calendar_year():
    assert window("R2Y") == (date(2025, 1, 1), None)


def test_p6m_is_everything_except_the_past_six_calendar_months():
    assert window("P6M") == (None, date(2026, 5, 31))  # June..November 2026 are embargoed


def test_r365d_moves_every_day():
    assert window("R365D") == (TODAY - timedelta(days=364), None)
    assert window("R365D", TODAY + timedelta(days=1))[0] == TODAY - timedelta(days=363)


def test_combined_statement_applies_both_walls():
    assert window("R10Y;P30D") == (date(2017, 1, 1), TODAY - timedelta(days=30))


def test_month_walls_cross_year_boundaries():
    assert window("P3M", date(2026, 2, 10)) == (None, date(2025, 11, 30))
    assert window("R14M", date(2026, 2, 10)) == (date(2025, 1, 1), None)


@pytest.mark.parametrize("text", ["12 months", "P12", "X1Y", "P1W", "P-1Y", "R10Y;", "P1Y P2Y"])
def test_invalid_embargo_statements_are_refused(text):
    with pytest.raises(ValueError):
        parse_embargo(text)


def test_embargo_statements_tolerate_case_and_spaces():
    assert parse_embargo(" p12m ").text == "P12M"
    assert parse_embargo("r10y; p30d").text == "R10Y;P30D"


def test_describe_says_what_is_available():
    text = parse_embargo("P1Y").describe(TODAY)
    assert "P1Y" in text and "not the most recent 1 calendar year" in text and "up to 2025-12-31" in text


# --- embargoes: properties ----------------------------------------------------------------------------------------

@settings(max_examples=300)
@given(today=days, n=lengths, unit=units, probe=days)
def test_r_and_p_of_the_same_wall_partition_time(today, n, unit, probe):
    r_lo, r_hi = parse_embargo(f"R{n}{unit}").window(today)
    p_lo, p_hi = parse_embargo(f"P{n}{unit}").window(today)
    day = probe.toordinal()
    in_r = r_lo <= day <= r_hi
    in_p = p_lo <= day <= p_hi
    assert in_r != in_p
    assert r_hi == OPEN_HI and p_lo == OPEN_LO


@settings(max_examples=300)
@given(today=days, n=lengths, unit=units)
def test_the_current_unit_counts_as_one_of_the_n(today, n, unit):
    lo, _ = parse_embargo(f"R{n}{unit}").window(today)
    wall = D(lo)
    if unit == "Y":
        assert (wall.month, wall.day) == (1, 1) and today.year - wall.year + 1 == n
    elif unit == "M":
        assert wall.day == 1 and (today.year * 12 + today.month) - (wall.year * 12 + wall.month) + 1 == n
    else:
        assert (today - wall).days + 1 == n


@settings(max_examples=300)
@given(a=days, b=days, n=lengths, unit=st.sampled_from("MY"))
def test_calendar_walls_move_once_per_unit(a, b, n, unit):
    same_unit = a.year == b.year and (unit == "Y" or a.month == b.month)
    wa = parse_embargo(f"P{n}{unit}").window(a)
    wb = parse_embargo(f"P{n}{unit}").window(b)
    if same_unit:
        assert wa == wb
    elif a < b:
        assert wa[1] < wb[1]  # a later unit has a later wall


@settings(max_examples=300)
@given(today=days, n=lengths, m=lengths, unit=units)
def test_longer_embargoes_never_give_more_recent_content(today, n, m, unit):
    short, long_ = sorted((n, m))
    assert parse_embargo(f"P{long_}{unit}").window(today)[1] <= parse_embargo(f"P{short}{unit}").window(today)[1]
    assert parse_embargo(f"R{long_}{unit}").window(today)[0] <= parse_embargo(f"R{short}{unit}").window(today)[0]


@settings(max_examples=200)
@given(today=days, n=lengths, m=lengths, u1=units, u2=units, probe=days)
def test_a_combined_statement_is_the_intersection_of_its_parts(today, n, m, u1, u2, probe):
    both = parse_embargo(f"R{n}{u1};P{m}{u2}").window(today)
    r = parse_embargo(f"R{n}{u1}").window(today)
    p = parse_embargo(f"P{m}{u2}").window(today)
    day = probe.toordinal()
    assert (both[0] <= day <= both[1]) == ((r[0] <= day <= r[1]) and (p[0] <= day <= p[1]))


def test_ordinal_helper_matches_date():
    assert ordinal(2024, 2, 29) == date(2024, 2, 29).toordinal()
