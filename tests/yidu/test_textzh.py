"""Unit tests of yidu.textzh: folding, segmentation, pinyin, the analyze() cache. No Elasticsearch."""

from __future__ import annotations

import subprocess
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yidu import textzh
from yidu.textzh import fold, initials, pinyin, segment, split_pinyin
from yidu.textzh.charclass import HAN_CHAR  # Han blocks by code point, assigned or not

# --- strategies ---------------------------------------------------------------------------------

# Han (incl. traditional forms OpenCC converts), full-width forms, Latin with diacritics,
# spaces of several kinds, punctuation, combining marks, ignorables: the cases fold() cares about
CJKISH = st.sampled_from(
    list("中国發展報告沈從文臺灣圖書館鲁迅乾燥隆後薴〇㐀𠀀")
    + list("ＡＢＣａ１２３（）：，。、《》！＋－")
    + list("aZ9éÉüßøæŁǅİ")
    + [" ", "\u3000", "\t", "\n", "\u00a0", "\u200b", "\u00ad", "\u0301", "\u0308", "\U000e0100"]
    + list("'.-+#_/&")
)
MIXED = st.one_of(
    st.text(),
    st.lists(CJKISH).map("".join),
    st.lists(st.one_of(st.text(max_size=3), CJKISH)).map("".join),
)


# --- has_cjk --------------------------------------------------------------------------------------


@pytest.mark.parametrize("s", ["中", "沈從文", "1994年", "a〇b", "𠀀", "Python编程"])
def test_has_cjk_true(s):
    assert textzh.has_cjk(s)


@pytest.mark.parametrize("s", ["", "abc", "こころ", "한국어", "Война", "（）：", "123"])
def test_has_cjk_false(s):
    assert not textzh.has_cjk(s)


# --- fold -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "trad, simp",
    [("沈從文", "沈从文"), ("臺灣", "台湾"), ("圖書館", "图书馆"), ("中國發展報告", "中国发展报告"), ("乾燥", "干燥")],
)
def test_fold_traditional_and_simplified_agree(trad, simp):
    assert fold(trad) == simp
    assert fold(simp) == simp  # simplified is left alone
    assert fold(trad) == fold(simp)


def test_fold_simplified_round_trips_through_traditional():
    import opencc

    s2t = opencc.OpenCC("s2t")
    for simp in ["沈从文", "图书馆", "鲁迅全集", "现代汉语词典", "经济发展", "北京大学出版社", "乾隆"]:
        trad = s2t.convert(simp)
        assert trad != simp or simp == "乾隆"
        assert fold(trad) == fold(simp) == simp


def test_fold_keeps_phrase_exceptions():
    assert fold("乾隆") == "乾隆"  # OpenCC's phrase table: not 干隆


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("ＡＢＣ１２３", "abc123"),
        ("（第７版）", "(第7版)"),
        ("Ｃ＋＋程序设计", "c++程序设计"),
        ("经济发展－概况－中国", "经济发展-概况-中国"),
        ("Python编程：从入门到实践", "python编程:从入门到实践"),
        ("你好！世界？", "你好!世界?"),
    ],
)
def test_fold_full_width(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("Études", "etudes"),
        ("Müller", "muller"),
        ("Ørsted", "orsted"),
        ("Straße", "strasse"),
        ("Łódź", "lodz"),
        ("Æsop", "aesop"),
        ("naïve café", "naive cafe"),
        ("e\u0301cole", "ecole"),  # decomposed input
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("Война и мир", "война и мир"),  # other scripts keep their letters
        ("Ἀθῆναι", "ἀθῆναι"),
    ],
)
def test_fold_diacritics_and_case(raw, folded):
    assert fold(raw) == folded


@pytest.mark.parametrize(
    "raw, folded",
    [
        ("鲁  迅", "鲁迅"),
        ("中国 发展", "中国发展"),
        ("鲁\u3000迅", "鲁迅"),
        ("鲁\t\n迅 全集", "鲁迅全集"),
        ("hello   world", "hello world"),
        ("  Hello World  ", "hello world"),
        ("鲁迅 Lu Xun", "鲁迅 lu xun"),
        ("中国 1994", "中国 1994"),
        ("中国 (第2版)", "中国 (第2版)"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_fold_whitespace(raw, folded):
    assert fold(raw) == folded


def test_fold_removes_ignorables():
    assert fold("中\u200b国") == "中国"
    assert fold("infor\u00admation") == "information"
    assert fold("\ufeffbook") == "book"
    assert fold("葛\U000e0100城") == "葛城"  # ideographic variation selector


def test_fold_keeps_letters_digits_and_punctuation():
    assert fold("'97中国发展报告") == "'97中国发展报告"
    assert fold("C# & .NET 3.5") == "c# & .net 3.5"


@settings(max_examples=400, deadline=None)
@given(MIXED)
def test_fold_is_idempotent(s):
    f = fold(s)
    assert fold(f) == f


@settings(max_examples=200, deadline=None)
@given(MIXED)
def test_fold_keeps_every_ascii_alnum(s):
    # letters and digits survive folding (as their folded forms)
    expect = [c for c in unicodedata.normalize("NFKC", s).casefold() if c.isascii() and c.isalnum()]
    got = [c for c in fold(s) if c.isascii() and c.isalnum()]
    assert len(got) >= len(expect)


# --- segment ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "s, words",
    [
        ("中华人民共和国民法典释义", ["中华人民共和国", "民法典", "释义"]),
        ("鲁迅全集", ["鲁迅", "全集"]),
        ("Python编程：从入门到实践", ["python", "编程", "从", "入门", "到", "实践"]),
        ("'97中国发展报告", ["97", "中国", "发展", "报告"]),
        ("现代汉语词典（第7版）", ["现代汉语", "词典", "第", "7", "版"]),
        ("经济发展－概况－中国－1994", ["经济", "发展", "概况", "中国", "1994"]),
        ("中国统计出版社", ["中国", "统计", "出版社"]),
        ("沈從文", ["沈从文"]),
        ("Hello, World!", ["hello", "world"]),
        ("C++ Primer中文版", ["c++", "primer", "中文版"]),
        ("e.coli 1994-2000 3.14", ["e.coli", "1994", "2000", "3.14"]),
        ("Война и мир", ["война", "и", "мир"]),
        ("", []),
        ("（）：，。 ", []),
    ],
)
def test_segment_precise(s, words):
    assert segment(s) == words


def test_segment_for_index_yields_sub_words():
    assert segment("中华人民共和国", for_index=True) == ["中华", "华人", "人民", "共和", "共和国", "中华人民共和国"]
    idx = segment("中华人民共和国民法典释义", for_index=True)
    assert idx == ["中华", "华人", "人民", "共和", "共和国", "中华人民共和国", "民法", "法典", "民法典", "释义"]
    assert "出版" in segment("中国统计出版社", for_index=True)
    assert segment("python programming", for_index=True) == ["python", "programming"]


@pytest.mark.parametrize("s", ["中华人民共和国民法典释义", "北京大学出版社", "现代汉语词典", "清华大学学报哲学社会科学版"])
def test_segment_matches_python_jieba_on_han_text(s):
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    assert segment(s) == jieba.lcut(s)
    assert segment(s, for_index=True) == jieba.lcut_for_search(s)


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_segment_never_yields_empty_whitespace_or_punctuation_tokens(s):
    for mode in (False, True):
        for tok in segment(s, for_index=mode):
            assert tok and tok.strip() == tok
            assert not any(c.isspace() for c in tok)
            assert any(c.isalnum() or HAN_CHAR.match(c) for c in tok)
    precise = segment(s)
    index = segment(s, for_index=True)
    assert set(precise) <= set(index)


def test_segment_accepts_folded_or_raw_input():
    s = "沈從文ＡＢＣ"
    assert segment(s) == segment(fold(s))


# --- pinyin, initials -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "s, syllables",
    [
        ("'97中国发展报告", ["97", "zhong", "guo", "fa", "zhan", "bao", "gao"]),
        ("沈從文", ["shen", "cong", "wen"]),
        ("沈从文", ["shen", "cong", "wen"]),
        ("重庆", ["chong", "qing"]),
        ("银行", ["yin", "hang"]),
        ("重庆银行", ["chong", "qing", "yin", "hang"]),
        ("绿色", ["lv", "se"]),
        ("策略", ["ce", "lve"]),
        ("长安街", ["chang", "an", "jie"]),
        ("音乐", ["yin", "yue"]),
        ("特征", ["te", "zheng"]),  # not the traditional phrase reading of 特徵 carried over
        ("拼命", ["pin", "ming"]),
        ("Python编程", ["python", "bian", "cheng"]),
        ("一九九〇年", ["yi", "jiu", "jiu", "ling", "nian"]),
        ("Lu Xun", ["lu", "xun"]),
        ("", []),
    ],
)
def test_pinyin(s, syllables):
    assert pinyin(s) == syllables


@pytest.mark.parametrize(
    "s, ini",
    [
        ("中国发展报告", "zgfzbg"),
        ("鲁迅", "lx"),
        ("沈從文", "scw"),
        ("'97中国发展报告", "97zgfzbg"),
        ("Python编程", "pbc"),
        ("红楼梦", "hlm"),
    ],
)
def test_initials(s, ini):
    assert initials(s) == ini


def test_pinyin_round_trips_through_split_pinyin():
    for s in ["中华人民共和国民法典释义", "沈从文", "重庆银行", "绿色策略", "长安街", "女儿", "西安", "方案"]:
        py = pinyin(s)
        assert all(p in textzh.SYLLABLES for p in py), py
        # joined without separators the split may differ (xi an / xian) but the spaced form is exact
        assert split_pinyin(" ".join(py)) == py


# --- split_pinyin, looks_like_initials ------------------------------------------------------------


@pytest.mark.parametrize(
    "s, syllables",
    [
        ("zhongguofazhan", ["zhong", "guo", "fa", "zhan"]),
        ("xi'an", ["xi", "an"]),
        ("Shen Congwen", ["shen", "cong", "wen"]),
        ("ZhongGuo", ["zhong", "guo"]),
        ("lu xun", ["lu", "xun"]),
        ("luxun", ["lu", "xun"]),
        ("lvse", ["lv", "se"]),
        ("lüse", ["lv", "se"]),
        ("lu:se", ["lv", "se"]),
        ("nue", ["nve"]),
        ("chongqing", ["chong", "qing"]),
        ("xi-an", ["xi", "an"]),
        ("  beijing  daxue ", ["bei", "jing", "da", "xue"]),
    ],
)
def test_split_pinyin(s, syllables):
    assert split_pinyin(s) == syllables


@pytest.mark.parametrize("s", ["python", "hello world", "", "   ", "123", "zhong1guo2", "zgfzbg", "中国", "abc", "lx"])
def test_split_pinyin_rejects(s):
    assert split_pinyin(s) is None


def test_split_pinyin_ambiguity_prefers_fewest_syllables():
    assert split_pinyin("xian") == ["xian"]  # not xi an
    assert split_pinyin("xi'an") == ["xi", "an"]
    assert split_pinyin("xianren") == ["xian", "ren"]
    # equal counts: longest syllables first, a full cover in every case
    assert split_pinyin("fangan") == ["fang", "an"]
    assert split_pinyin("changan") == ["chang", "an"]
    assert split_pinyin("tiane") == ["tian", "e"]
    assert split_pinyin("zhonge") == ["zhong", "e"]  # must back off: "zhon" is no syllable


def test_syllable_table():
    assert 400 <= len(textzh.SYLLABLES) <= 420
    assert all(s.isascii() and s.isalpha() and s.islower() for s in textzh.SYLLABLES)
    for s in ["a", "er", "zhuang", "lve", "nv", "xiong", "shei", "yo"]:
        assert s in textzh.SYLLABLES
    for s in ["lue", "m", "ng", "hng", "ju:", "zhi1", "xv"]:
        assert s not in textzh.SYLLABLES


def test_syllable_table_covers_common_readings():
    # every reading pinyin() gives for common characters is a syllable of the table
    common = "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴"
    for c in common:
        for p in pinyin(c):
            assert p in textzh.SYLLABLES, (c, p)


@pytest.mark.parametrize("s", ["zgfzbg", "lx", "ZGFZBG", "hlm", "scw", "aqgy", "xdhycd"])
def test_looks_like_initials(s):
    assert textzh.looks_like_initials(s)


@pytest.mark.parametrize("s", ["python", "hello", "zhongguo", "xian", "", "a", "lu xun", "中国", "zg-fz", "lexicon"])
def test_does_not_look_like_initials(s):
    assert not textzh.looks_like_initials(s)


# --- analyze ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "trad, simp",
    [("沈從文", "沈从文"), ("臺灣", "台湾"), ("圖書館學", "图书馆学"), ("現代漢語詞典（第7版）", "现代汉语词典（第7版）")],
)
def test_analyze_traditional_equals_simplified(trad, simp):
    a, b = textzh.analyze(trad), textzh.analyze(simp)
    assert a == b
    assert (a.folded, a.seg, a.py, a.pyi) == (b.folded, b.seg, b.py, b.pyi)


def test_analyze_fields():
    a = textzh.analyze("中华人民共和国民法典释义")
    assert a.folded == "中华人民共和国民法典释义"
    assert a.seg == "中华 华人 人民 共和 共和国 中华人民共和国 民法 法典 民法典 释义"
    assert a.py == "zhong hua ren min gong he guo min fa dian shi yi"
    assert a.pyi == "zhrmghgmfdsy"
    assert a.seg == " ".join(segment("中华人民共和国民法典释义", for_index=True))


def test_analyze_without_cjk_has_no_pinyin():
    a = textzh.analyze("Études sur le XVIIIe siècle")
    assert a.folded == "etudes sur le xviiie siecle"
    assert a.seg == "etudes sur le xviiie siecle"
    assert (a.py, a.pyi) == ("", "")


def test_analyze_is_frozen():
    a = textzh.analyze("鲁迅")
    with pytest.raises(AttributeError):
        a.seg = "x"  # type: ignore[misc]
    assert a._fields == ("folded", "seg", "py", "pyi")


def test_analyze_cache():
    s = "缓存测试专用标题" + str(id(object()))
    before = textzh.cache_info()
    first = textzh.analyze(s)
    second = textzh.analyze(s)
    assert first is second
    after = textzh.cache_info()
    assert after.hits >= before.hits + 1
    assert after.misses >= before.misses + 1
    assert after.maxsize == textzh.analysis.CACHE_SIZE  # bounded: a long load cannot grow it further


def test_analyze_long_text_bypasses_cache_but_agrees():
    s = "中国发展报告" * 100
    a = textzh.analyze(s)
    assert a == textzh.analyze(s)
    assert a.folded == fold(s)
    assert a.py.split() == pinyin(s)


def test_analyze_thread_safe_and_deterministic():
    texts = [f"{x}{y}（第{n}版）" for x in ["中國", "经济", "鲁迅", "Python"] for y in ["發展報告", "全集", "编程"] for n in range(5)]
    expected = [textzh.analysis._analyze(t) for t in texts]
    textzh.cache_clear()
    with ThreadPoolExecutor(8) as pool:
        got = list(pool.map(textzh.analyze, texts * 4))
    assert got == expected * 4


def test_dictionaries_load_lazily_and_warm_up_loads_them():
    code = (
        "import sys; from yidu import textzh; "
        "heavy = ('rjieba', 'opencc', 'pypinyin'); "
        "assert not any(m in sys.modules for m in heavy), [m for m in heavy if m in sys.modules]; "
        "textzh.warm_up(); textzh.warm_up(); "
        "assert 'rjieba' in sys.modules and 'opencc' in sys.modules; "
        "print(textzh.analyze('沈從文').py)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "shen cong wen"


def test_pinyin_readings_offer_every_fewest_split_preferred_first():
    from yidu.textzh import pinyin_readings

    assert pinyin_readings("xinan") == [["xin", "an"], ["xi", "nan"]]
    assert pinyin_readings("fangan")[0] == split_pinyin("fangan")
    assert pinyin_readings("zhongguo fazhan") == [["zhong", "guo", "fa", "zhan"]]
    assert pinyin_readings("xinan xinan", limit=3) == [["xin", "an", "xin", "an"], ["xin", "an", "xi", "nan"],
                                                       ["xi", "nan", "xin", "an"]]
    assert pinyin_readings("hello") == [] and pinyin_readings("") == []
