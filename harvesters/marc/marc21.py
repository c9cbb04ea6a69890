"""The MARC 21 mapping table (see docs: domain field map).

Chinese, Japanese and Korean records catalogued in North America carry the romanised form in the
regular field and the original script in a linked 880; `alt="prefer"` makes the original script the
title and names, and the romanised forms are kept for pinyin search.
"""
from __future__ import annotations

from harvesters.marc import post
from harvesters.marc.names import Names
from harvesters.marc.rules import Mapping, Rule, marc
from harvesters.marc.transforms import (
    chunks, clc, edition_number, first, isbn13, issn, strip_punctuation, trim, unique, valid_language, year,
)

CLC_SOURCES = ("clc", "中图法", "cn", "zhongtu")

RULES = (
    Rule("control_number", marc("001"), (first,), shape="one"),
    Rule("title", marc("245anp", alt="prefer"), (strip_punctuation,), shape="one"),
    Rule("subtitle", marc("245b", alt="prefer"), (strip_punctuation,), shape="one"),
    Rule("title_romanized", marc("245anp", alt="none"), (strip_punctuation,), shape="one"),
    Rule("other_titles", marc("246ab:740a:130a:240a:242a:210a"), (strip_punctuation, unique)),
    Rule("responsibility", marc("245c", alt="prefer"), (strip_punctuation,), shape="one"),
    Rule("authors", Names(("100", "110", "111", "700", "710", "711"), "abcq", "e4", dates="d", join=" "), ()),
    Rule("edition", marc("250a", alt="prefer"), (strip_punctuation,), shape="one"),
    Rule("edition_number", marc("250a"), (edition_number,), shape="one"),
    Rule("place", marc("264a:260a", alt="prefer"), (strip_punctuation, unique)),
    Rule("publisher", marc("264b:260b", alt="prefer"), (strip_punctuation, unique)),
    Rule("year", marc("264c:260c:008[7-10]"), (year,), shape="one"),
    Rule("extent", marc("300abc"), (strip_punctuation,), shape="one"),
    Rule("isbn", marc("020a:020z"), (isbn13,)),
    Rule("issn", marc("022a:022l:022y:490x:773x"), (issn,)),
    Rule("language", marc("008[35-37]:041a:041d"), (chunks(3), valid_language)),
    Rule("clc", post.classification("084", CLC_SOURCES), (clc,)),
    Rule("subjects", marc("600abcdqtxyzv:610abxyzv:611axyzv:630axyzv:650axyzv:651axyzv", join="--"),
         (strip_punctuation, unique)),
    Rule("contents", marc("505agrt"), (trim,)),
    Rule("summary", marc("520ab"), (trim,)),
    Rule("series", marc("490a:830a:440a"), (strip_punctuation, unique)),
    Rule("links", post.links(), ()),
    Rule("gmd", marc("245h"), ()),
)

MAPPING = Mapping("marc21", RULES, post=(post.deleted, post.tidy_titles, post.material_type("marc21")))
