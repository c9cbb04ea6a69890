"""Highlights are computed on the display values in their original script."""
from __future__ import annotations

from query.highlight import highlight_hit, mark, terms
from query.parse import parse


def wanted(q):
    return terms(parse(q).tree)


def test_a_simplified_query_marks_the_traditional_title_in_its_own_script():
    assert mark("紅樓夢 (程甲本)", wanted("红楼梦")) == "<mark>紅樓夢</mark> (程甲本)"
    assert mark("紅樓夢", wanted("紅樓夢")) == "<mark>紅樓夢</mark>"


def test_words_are_marked_separately_and_latin_words_whole():
    assert mark("中国经济发展报告", wanted("中国 发展")) == "<mark>中国</mark>经济<mark>发展</mark>报告"
    assert mark("Database structures; Data Structures", wanted("data structures")) == \
        "Database <mark>structures</mark>; <mark>Data</mark> <mark>Structures</mark>"


def test_full_width_and_case_fold_back_to_the_original_characters():
    assert mark("ＰＹＴＨＯＮ编程", wanted("python")) == "<mark>ＰＹＴＨＯＮ</mark>编程"


def test_output_is_escaped_html():
    out = mark("<script>alert(1)</script> & more", wanted("alert more"))
    assert out == "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; &amp; <mark>more</mark>"
    assert mark("<b>x</b>", wanted("nothing")) is None


def test_single_characters_only_when_nothing_longer_was_asked():
    assert wanted("书") == ["书"]
    assert "的" not in wanted("中国的发展")


def test_phrases_and_fields_count_identifiers_do_not():
    assert set(wanted('"红楼梦" author:曹雪芹 isbn:9787020002207')) == {"红楼梦", "曹雪芹"}


def test_hit_highlights_cover_title_subtitle_and_authors():
    hit = {"title": "紅樓夢", "subtitle": "脂評本", "authors": ["曹雪芹", "高鶚"]}
    out = highlight_hit(hit, wanted("红楼梦 高鹗"))
    assert out == {"title": "<mark>紅樓夢</mark>", "authors": ["曹雪芹", "<mark>高鶚</mark>"]}
