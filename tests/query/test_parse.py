"""The query parser: syntax, Chinese punctuation, identifiers anywhere, and the degradation table."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from query.errors import QueryError
from query.parse import (
    MAX_CLAUSES, MAX_DEPTH, And, Ident, Not, Or, Phrase, Text, YearRange, describe, lift_identifiers, parse,
)


def tree(q):
    return parse(q).tree


@pytest.mark.parametrize("q, expected", [
    ("中国 发展报告", Text("中国 发展报告")),
    ('"red chamber" dream', And((Phrase("red chamber"), Text("dream")))),
    ("title:红楼梦 author:曹雪芹", And((Text("红楼梦", "title"), Text("曹雪芹", "author")))),
    ('title:"dream of the red chamber"', Phrase("dream of the red chamber", "title")),
    ("title:(红楼梦 OR 石头记)", Or((Text("红楼梦", "title"), Text("石头记", "title")))),
    ("a OR b c", Or((Text("a"), Text("b c")))),
    ("a AND (b OR c) NOT d", And((Text("a"), Or((Text("b"), Text("c"))), Not(Text("d"))))),
    ("economics -history", And((Text("economics"), Not(Text("history"))))),
    ("year:2001", YearRange(2001, 2001)),
    ("year:2001-2005", YearRange(2001, 2005)),
    ("year:2001-", YearRange(2001, None)),
    ("year:-1949", YearRange(None, 1949)),
    ("clc:tp311", Ident("clc", "TP311")),
    ("isbn:7-5037-2623-7", Ident("isbn", "9787503726231")),
    ("issn:0028-0836", Ident("issn", "0028-0836")),
    ("doi:10.1038/NATURE12373", Ident("doi", "10.1038/nature12373")),
    ("subject:经济 publisher:商务印书馆", And((Text("经济", "subject"), Text("商务印书馆", "publisher")))),
])
def test_syntax(q, expected):
    parsed = parse(q)
    assert parsed.tree == expected and parsed.warnings == []


@pytest.mark.parametrize("q, expected", [
    ("“红楼梦” 曹雪芹", And((Phrase("红楼梦"), Text("曹雪芹")))),
    ("「红楼梦」", Phrase("红楼梦")),
    ("《红楼梦》", Phrase("红楼梦")),
    ("题名：红楼梦", Text("红楼梦", "title")),
    ("作者：曹雪芹", Text("曹雪芹", "author")),
    ("（红楼梦 OR 石头记）", Or((Text("红楼梦"), Text("石头记")))),
    ("红楼梦 ＡＮＤ 曹雪芹", And((Text("红楼梦"), Text("曹雪芹")))),
    ("红楼梦 或 石头记", Or((Text("红楼梦"), Text("石头记")))),
    ("红楼梦 非 续书", And((Text("红楼梦"), Not(Text("续书"))))),
    ("红楼梦，曹雪芹。", Text("红楼梦 曹雪芹")),
])
def test_chinese_and_full_width_punctuation(q, expected):
    assert tree(q) == expected


def test_chinese_operator_words_inside_words_stay_words():
    assert tree("战争与和平") == Text("战争与和平")


@pytest.mark.parametrize("q, expected, warning", [
    ('"red chamber', Phrase("red chamber"), "unbalanced quote"),
    ("(a OR b", Or((Text("a"), Text("b"))), "missing ')'"),
    ("a) b", And((Text("a"), Text("b"))), "unmatched ')'"),
    ("a AND", Text("a"), "AND without"),
    ("OR b", Text("b"), "OR without"),
    ("a AND OR b", Or((Text("a"), Text("b"))), "AND without"),
    ("NOT", None, "NOT without"),
    ("title:", None, "without a value"),
    ("year:2005-2001", YearRange(2001, 2005), "read as 2001-2005"),
])
def test_malformed_input_degrades_with_a_warning(q, expected, warning):
    parsed = parse(q)
    assert parsed.tree == expected
    assert any(warning in w for w in parsed.warnings), parsed.warnings


@pytest.mark.parametrize("q", ["foo:bar", "Python: a guide", "http://example.org/x"])
def test_unknown_fields_are_plain_words(q):
    parsed = parse(q)
    assert isinstance(parsed.tree, Text) and parsed.tree.field is None and not parsed.warnings


@pytest.mark.parametrize("q, message", [
    ("isbn:12345", "not a valid ISBN"),
    ("isbn:9787503726232", "not a valid ISBN"),  # wrong check digit
    ("issn:1234-5678", "not a valid ISSN"),
    ("doi:nonsense", "not a DOI"),
    ("year:abc", "year expects"),
    ("year:20012005", "year expects"),
    ("clc:中文", "Chinese Library Classification"),
    ("(" * (MAX_DEPTH + 2) + "x", "nested too deeply"),
    (" ".join(f"a{i} OR" for i in range(MAX_CLAUSES + 1)) + " z", "too many terms"),
])
def test_input_that_cannot_mean_anything_is_a_query_error(q, message):
    with pytest.raises(QueryError, match=message):
        parse(q)


@pytest.mark.parametrize("q", ["", "   ", "!!!", "“”", "()", "- -"])
def test_nothing_to_search_is_no_tree(q):
    assert tree(q) is None


@pytest.mark.parametrize("q, kind, value", [
    ("7-5037-2623-7", "isbn", "9787503726231"),
    ("7503726237", "isbn", "9787503726231"),
    ("978-7-5037-2623-1", "isbn", "9787503726231"),
    ("中国发展报告 9787503726231", "isbn", "9787503726231"),
    ("中国发展报告9787503726231", "isbn", "9787503726231"),
    ("nature 0028-0836", "issn", "0028-0836"),
    ("https://doi.org/10.1038/nature12373", "doi", "10.1038/nature12373"),
])
def test_identifiers_anywhere_become_an_alternative_to_the_words(q, kind, value):
    lifted = lift_identifiers(tree(q))
    assert isinstance(lifted, Or) and lifted.children[0] == Ident(kind, value)
    assert isinstance(lifted.children[-1], Text)


def test_the_words_beside_an_identifier_are_kept_without_it():
    lifted = lift_identifiers(tree("中国发展报告 978-7-5037-2623-1"))
    assert lifted == Or((Ident("isbn", "9787503726231"), Text("中国发展报告")))
    # a query that is only an identifier keeps its text too (it may be a number in a title)
    assert lift_identifiers(tree("7503726237")) == Or((Ident("isbn", "9787503726231"), Text("7503726237")))


def test_invalid_check_digits_are_not_identifiers():
    assert lift_identifiers(tree("7503726238")) == Text("7503726238")


def test_describe_is_readable():
    assert describe(tree('title:"a b" OR (c -d) year:2001-2002')) == \
        '(title:"a b" OR ((c AND NOT d) AND year:2001-2002))'


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list('ab中国 "()：:“”-（）「」7') + [" AND ", " OR ", " NOT ", "title:", "isbn:",
                                                                        "year:", " 与 ", "ＡＮＤ"]), max_size=30))
def test_any_input_parses_or_raises_a_query_error(parts):
    q = "".join(parts)
    try:
        parsed = parse(q)
    except QueryError:
        return
    assert parsed.tree is None or describe(parsed.tree)
