"""The CNMARC mapping table (UNIMARC as practised in China; see docs: domain field map).

Chinese practice puts the pinyin of titles and names in $A (some systems) or $9 (CALIS); both are kept.
"""
from __future__ import annotations

from harvesters.marc import post
from harvesters.marc.names import Names
from harvesters.marc.rules import Mapping, Rule, marc
from harvesters.marc.transforms import (
    chunks, clc, edition_number, first, isbn13, issn, strip_punctuation, trim, unique, valid_language,
)

RULES = (
    Rule("control_number", marc("001"), (first,), shape="one"),
    Rule("title", marc("200a", separate=True), (strip_punctuation, first), shape="one"),
    Rule("subtitle", marc("200e", separate=True), (strip_punctuation, first), shape="one"),
    Rule("title_romanized", marc("200A9"), (strip_punctuation,), shape="one"),
    Rule("other_titles", marc("200a:200d:510a:512a:513a:517a:518a:540a:541a:500a", separate=True),
         (strip_punctuation, unique)),
    Rule("responsibility", marc("200fg", join="; "), (strip_punctuation,), shape="one"),
    Rule("authors", Names(("700", "701", "702", "710", "711", "712"), "ab", "4", "A9", dates="f", join=", "), ()),
    Rule("edition", marc("205a"), (strip_punctuation,), shape="one"),
    Rule("edition_number", marc("205a"), (edition_number,), shape="one"),
    Rule("place", marc("210a:214a", separate=True), (strip_punctuation, unique)),
    Rule("publisher", marc("210c:214c", separate=True), (strip_punctuation, unique)),
    Rule("year", marc("210d:214d:100a"), (post.unimarc_year,), shape="one"),
    Rule("extent", marc("215acd"), (strip_punctuation,), shape="one"),
    Rule("isbn", marc("010a:010z"), (isbn13,)),
    Rule("issn", marc("011a:011y:011z:225x:410x"), (issn,)),
    Rule("language", marc("101a"), (chunks(3), valid_language)),
    Rule("clc", marc("690a"), (clc,)),
    Rule("subjects", marc("600abjxyz:601abjxyz:605ajxyz:606ajxyz:607ajxyz:610a", join="--"),
         (strip_punctuation, unique)),
    Rule("contents", marc("327a"), (trim,)),
    Rule("summary", marc("330a"), (trim,)),
    Rule("series", marc("225a:410a:461a", separate=True), (strip_punctuation, unique)),
    Rule("links", post.links(), ()),
    Rule("gmd", marc("200b"), ()),
)

MAPPING = Mapping("cnmarc", RULES, post=(post.deleted, post.tidy_titles, post.material_type("cnmarc")))
