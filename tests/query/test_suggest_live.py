"""Autocomplete on the real node: titles by characters, pinyin and initials (with a typo), names, subjects."""
from __future__ import annotations

import pytest

import searchcorpus as sc
from query import suggest

pytestmark = pytest.mark.es


def complete(es_client, corpus, typed, size=8):
    body = suggest.autocomplete_body(typed, size)
    raw = es_client.search(index=corpus.alias, body=body).body
    return suggest.shape_autocomplete(typed, raw, size)


@pytest.mark.parametrize("typed", ["中国发展", "中國發展", "zhongguofa", "zgfzbg", "zggfzbg", "zgfz"])
def test_titles_complete_from_characters_pinyin_and_initials_even_with_a_typo(es_client, corpus, typed):
    titles = [s["text"] for s in complete(es_client, corpus, typed) if s["kind"] == "title"]
    assert sc.REPORT.title in titles, (typed, titles)


def test_traditional_titles_complete_from_simplified_and_pinyin(es_client, corpus):
    for typed in ("镜花", "鏡花", "jinghua", "jhy"):
        titles = [s["text"] for s in complete(es_client, corpus, typed)]
        assert sc.FLOWERS.title in titles, (typed, titles)


def test_names_and_subjects_complete(es_client, corpus):
    names = complete(es_client, corpus, "李汝")
    assert {"text": sc.FLOWERS.author, "kind": "author"} in names
    assert {"text": sc.FLOWERS.author, "kind": "author"} in complete(es_client, corpus, "liru")
    subjects = complete(es_client, corpus, "章回")
    assert {"text": "章回小说", "kind": "subject"} in subjects


def test_nothing_to_complete(es_client, corpus):
    assert suggest.autocomplete_body("   ") is None
    assert complete(es_client, corpus, "qqqqqqqxxxxxx") == []
