"""The abstract edition: what a book *is*, before any library catalogues it.

`edition(seed, k)` is a pure function of (seed, k): it draws everything from `Rng(f"{seed}:{k}")`, so any
library's file can emit edition k without remembering anything. The only structure shared between editions
is the *publisher slot* table: the edition number is mapped bijectively onto (block, slot) and the slot
fixes the publisher (and with it script, language and country); the block number feeds the publisher's
ISBN publication-element counter, which is what keeps ISBNs unique without any state (see `isbn_capacity`).

Mix (by slot weights): ~62 % mainland Chinese, ~2.4 % Taiwan/Hong Kong (traditional script), ~1 % ancient
books (古籍, traditional script, no ISBN), ~34 % Western (English ~30 %, German, French, Russian, Japanese
~1 % each). Modern books published before ISBNs existed (Chinese before 1987, Western before 1970) and a
random 5 % more (internal and conference publications) have no ISBN: ~8 % of modern editions. About 10 %
of editions carry a parallel title (English for Chinese books).
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from math import gcd

from yidu.corpus import vocab as V
from yidu.corpus.hanzi import cnmarc_pinyin, name_syllables, traditional
from yidu.corpus.identifiers import isbn10_check, isbn13_check
from yidu.corpus.rng import Rng, Weighted, key64

# ------------------------------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Name:
    """A name attached to an edition, as the catalogue heading gives it."""

    name: str  # Chinese script (李强, 司馬遷, 国家统计局) or inverted Western form ("Smith, John A.")
    role: str  # 著 编著 主编 编 译 撰 注 点校 ... | author editor translator
    corporate: bool = False
    pinyin: str | None = None  # CNMARC $A style: "Li Qiang", "Guo Jia Tong Ji Ju"
    romanized: str | None = None  # ALA-LC heading for MARC 21: "Li, Qiang"
    display: str | None = None  # Western direct order: "John A. Smith"
    dynasty: str | None = None  # 漢, 宋 ... for pre-modern authors ("(漢)司馬遷撰")
    nationality: str | None = None  # 美, 英 ... for foreign authors of translated books ("(美)曼昆著")
    original: str | None = None  # a foreign author's own heading ("Mankiw, N. Gregory")
    primary: bool = True  # 701/100/700 main responsibility vs 702 secondary (translator, 点校)


@dataclass(frozen=True)
class Subject:
    term: str
    subdivisions: tuple[tuple[str, str], ...] = ()  # (subfield code, value): CNMARC x/y/z/j, MARC 21 x/y/z/v

    @property
    def text(self) -> str:
        return "--".join([self.term, *(v for _, v in self.subdivisions)])


@dataclass(frozen=True)
class Edition:
    seed: int = 0
    number: int = 0
    script: str = "chinese"  # "chinese" | "western"
    variant: str = "simplified"  # simplified | traditional | latin | cyrillic | japanese
    mode: str = "topic"  # topic | literature | classic | canon | translation | yearbook | ancient
    form: str = "s"  # s study, t textbook, h history, r reference, p report, c cases, l statutes, a papers, lit, work
    language: str = "chi"  # MARC language code: chi eng ger fre rus jpn
    country: str = "CN"  # CN TW HK US GB DE ...
    title: str = ""
    publisher: str = ""
    place: str = ""
    year: int | None = None
    date: str = ""  # as printed: "2010", "清光緒十年[1884]", "[清末]"
    clc: str = ""
    pages: int = 0
    height_cm: int = 26
    title_pinyin: str | None = None
    title_parts: tuple[str, ...] = ()  # vocabulary parts of a composed Chinese title (simplified), for romanising
    other_title: str | None = None
    part_number: str | None = None  # yearbook volume: 200 $h / 245 $n
    parallel_title: str | None = None
    parallel_language: str | None = None
    original_title: str | None = None  # of a translation
    original_language: str | None = None
    responsibility: str = ""  # 200 $f / 245 $c
    secondary_responsibility: str | None = None  # 200 $g (translators, 点校)
    names: tuple[Name, ...] = ()
    edition_statement: str | None = None
    isbn: str | None = None  # ISBN-13, digits only
    isbn10: str | None = None  # the ISBN-10 printed on books published before 2007
    isbn_printed: str | None = None  # hyphenated, as printed on the book
    binding: str | None = None
    price: str | None = None  # "CNY68.00", "USD45.00"
    subjects: tuple[Subject, ...] = ()  # in the book's cataloguing language: 606 for Chinese, LCSH for Western
    subjects_en: tuple[Subject, ...] = ()  # LCSH-style headings (MARC 21 650), for every edition
    summary: str | None = None
    contents: tuple[str, ...] = ()
    series: str | None = None
    series_number: str | None = None
    prelims: str | None = None  # roman-numbered preliminary pages of Western books ("xii")
    volumes: int = 1
    illustrations: bool = False
    bibliography: bool = False
    unified_number: str | None = None  # 统一书号 of Chinese books before ISBNs (091)
    ancient_edition: str | None = None  # 刻本, 石印本 ... (205 of ancient books)

    @property
    def isbn13(self) -> str | None:
        return self.isbn

    @property
    def traditional(self) -> bool:
        return self.variant == "traditional"

    @property
    def ancient(self) -> bool:
        return self.mode == "ancient"

    @property
    def clc_name(self) -> str | None:
        return V.clc_name(self.clc)

    @property
    def first_name(self) -> Name | None:
        return self.names[0] if self.names else None


def _new(cls, values: dict):
    """Build a frozen dataclass instance without its keyword-matching __init__ (10x faster for Edition);
    fields not in `values` keep their class-level defaults."""
    obj = object.__new__(cls)
    obj.__dict__.update(values)
    return obj


def _name(**values) -> Name:
    return _new(Name, values)


# ------------------------------------------------------------------------------------------- slot table

SLOT_BLOCKS = 64  # distinct slot permutations, cycled over blocks


@dataclass(frozen=True)
class _Slot:
    publisher: V.Publisher | None  # None: ancient
    occurrence: int  # 0..weight-1: this slot's index among its publisher's slots
    multiplicity: int


def _build_slots() -> tuple[_Slot, ...]:
    slots: list[_Slot] = []
    for pub in V.PUBLISHERS:
        slots.extend(_Slot(pub, i, pub.weight) for i in range(pub.weight))
    slots.extend(_Slot(None, i, V.ANCIENT_WEIGHT) for i in range(V.ANCIENT_WEIGHT))
    return tuple(slots)


SLOTS = _build_slots()
L = len(SLOTS)
SLOT_WESTERN = tuple(s.publisher is not None and s.publisher.script in ("latin", "cyrillic", "japanese") for s in SLOTS)


@lru_cache(maxsize=64)
def slot_tables(seed: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Per-seed multipliers/offsets of the per-block slot permutations r -> (r*a + c) mod L."""
    rng = Rng(f"slots:{seed}")
    mult, add = [], []
    for _ in range(SLOT_BLOCKS):
        a = 1 + rng.below(L - 1)
        while gcd(a, L) != 1:
            a = a % (L - 1) + 1
        mult.append(a)
        add.append(rng.below(L))
    return tuple(mult), tuple(add)


def slot_of(seed: int, k: int) -> tuple[int, int]:
    """(slot index, block) of edition k."""
    block, r = divmod(k, L)
    mult, add = slot_tables(seed)
    t = block % SLOT_BLOCKS
    return (r * mult[t] + add[t]) % L, block


# --------------------------------------------------------------------------------------------- ISBNs

_ISBN_MULT = 7919  # coprime with every capacity (products of 2 and 5)


def _era_capacity(pub: V.Publisher, regs: tuple[str, ...]) -> int:
    return len(regs) * 10 ** (9 - len(pub.group) - len(regs[0]))


def isbn_capacity() -> int:
    """How many editions a corpus may have before two editions could share an ISBN."""
    best = None
    for pub in V.PUBLISHERS:
        for _, _, regs in pub.eras:
            n = _era_capacity(pub, regs) // pub.weight * L
            best = n if best is None else min(best, n)
    return best or 0


# ------------------------------------------------------------------------------------------ small helpers

_CN_YEAR_WEIGHT = {**{y: 1.0 for y in range(1980, 1987)}, **{y: 2.0 for y in range(1987, 2000)},
                   **{y: 4.5 for y in range(2000, 2010)}, **{y: 5.0 for y in range(2010, 2020)},
                   **{y: 4.0 for y in range(2020, 2025)}}
_W_YEAR_WEIGHT = {**{y: 0.5 for y in range(1960, 1970)}, **{y: 1.0 for y in range(1970, 1990)},
                  **{y: 2.0 for y in range(1990, 2000)}, **{y: 3.0 for y in range(2000, 2010)},
                  **{y: 3.5 for y in range(2010, 2025)}}
_WESTERN_SCRIPTS = ("latin", "cyrillic", "japanese")


def _weighted_spec(spec: str) -> Weighted:
    return Weighted([(c.split(":")[0], float(c.split(":")[1])) for c in spec.split()])


@dataclass(frozen=True)
class _PubInfo:
    """Everything derived from a publisher that edition generation needs, computed once."""

    years: Weighted
    classes: Weighted
    modes: Weighted
    topics_zh: dict
    topics_en: dict
    western: bool
    # per era: (first year, place, registrants, publication-element size, capacity)
    eras: tuple


def _pub_info(pub: V.Publisher) -> _PubInfo:
    western = pub.script in _WESTERN_SCRIPTS
    weights = _W_YEAR_WEIGHT if western else _CN_YEAR_WEIGHT
    classes = _weighted_spec(pub.classes)
    eras = []
    for first, place, regs in pub.eras:
        size = 10 ** (9 - len(pub.group) - len(regs[0]))
        if any(len(r) != len(regs[0]) for r in regs):
            raise ValueError(f"{pub.name}: registrants of one era must have the same length")
        eras.append((first, place, regs, size, size * len(regs)))
    return _PubInfo(
        years=Weighted([(y, weights.get(y, 0.3)) for y in range(pub.years[0], pub.years[1] + 1)]),
        classes=classes, modes=_weighted_spec(pub.modes),
        topics_zh={c: _topics_for(V.TOPICS_ZH, c) for c in classes.items},
        topics_en={c: _topics_for(V.TOPICS_EN, c) for c in classes.items},
        western=western, eras=tuple(eras))


def _topics_for(topics, prefix: str) -> tuple:
    return V.topics_with_prefix(topics, prefix) or V.topics_with_prefix(topics, prefix[:1]) or topics


# Topics a foreign author would not have written (China-specific): excluded from translations
_NOT_TRANSLATED_CLC = ("A", "B2", "D2", "D6", "D92", "F12", "F3", "H1", "I2", "K2", "K8", "G12", "G52", "R2", "E892",
                       "K92", "N09", "TS97", "D669", "D67", "C92", "C913", "C912", "G64", "G71", "X3", "R19")
_NOT_TRANSLATED_EN = ("Chin", "Song", "Tang", "Ming", "Qing", "Yangtze", "Peking", "Confuc", "Lu Xun")


def _translatable(t: V.Topic) -> bool:
    return not t.clc.startswith(_NOT_TRANSLATED_CLC) and not any(w in t.en for w in _NOT_TRANSLATED_EN)


_TRANSLATABLE = {}
_SUBJECT_NEIGHBOURS: dict[str, tuple[V.Topic, ...]] = {}
for _t in V.TOPICS_ZH:
    _SUBJECT_NEIGHBOURS.setdefault(_t.clc[:3], ())
    _SUBJECT_NEIGHBOURS[_t.clc[:3]] += (_t,)


def _translatable_topics(prefix: str) -> tuple[V.Topic, ...]:
    found = _TRANSLATABLE.get(prefix)
    if found is None:
        found = tuple(t for t in _topics_for(V.TOPICS_ZH, prefix) if _translatable(t)) or tuple(
            t for t in V.TOPICS_ZH if _translatable(t) and t.clc[:1] == prefix[:1]) or tuple(
            t for t in V.TOPICS_ZH if _translatable(t))
        _TRANSLATABLE[prefix] = found
    return found


_PUB_INFO: dict[str, _PubInfo] = {p.name: _pub_info(p) for p in V.PUBLISHERS}
_WORKS_BY: dict[tuple[str, str], tuple[V.Work, ...]] = {}


def _works(classes: str, kinds: tuple[str, ...]) -> tuple[V.Work, ...]:
    key = (classes, ",".join(kinds))
    found = _WORKS_BY.get(key)
    if found is None:
        prefixes = [c.split(":")[0] for c in classes.split()]
        found = tuple(w for w in V.WORKS if w.kind in kinds and any(w.clc.startswith(p) for p in prefixes))
        _WORKS_BY[key] = found
    return found


@lru_cache(maxsize=1 << 14)
def subject(heading: str) -> Subject:
    """Parse "经济发展$y中国$z1994" into a Subject."""
    parts = heading.split("$")
    return Subject(parts[0], tuple((p[0], p[1:]) for p in parts[1:] if p))


def _subject(heading: str, trad: bool) -> Subject:
    return subject(traditional(heading) if trad else heading)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def chinese_numeral(n: int) -> str:
    digits = V.CHINESE_NUMERALS
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


_PER_PAGE = ((1990, 0.006), (2000, 0.03), (2010, 0.07), (2020, 0.13), (9999, 0.18))
_CENTS = (".00", ".00", ".00", ".50", ".80")


def _cny(u, year: int, pages: int) -> str:
    for limit, per in _PER_PAGE:
        if year < limit:
            break
    value = max(0.5, pages * per * (0.8 + (u() & 1023) / 2048.0))
    return f"CNY{int(value)}{_CENTS[u() % 5]}"


_CURRENCY = {"GB": "GBP", "DE": "EUR", "FR": "EUR", "NL": "EUR", "JP": "JPY", "RU": "RUB"}
_W_CENTS = (".00", ".95", ".99", ".50")


def _western_price(u, country: str, year: int) -> str:
    base = 15 + u() % 120 if year >= 2000 else 8 + u() % 50
    currency = _CURRENCY.get(country, "USD")
    if currency == "JPY":
        return f"JPY{base * 100}"
    if currency == "RUB":
        return f"RUB{base * 10}"
    return f"{currency}{base}{_W_CENTS[u() & 3]}"


# ------------------------------------------------------------------------------------------------ names


def _surname_info() -> tuple[tuple[str, str, str], ...]:
    out = []
    for surname, _, reading in V.SURNAMES:
        sur, _ = name_syllables(surname, "", reading)
        out.append((surname, " ".join(x.capitalize() for x in sur.split()), sur.replace(" ", "").capitalize()))
    return tuple(out)


_SURNAMES = _surname_info()
_SURNAME_TABLE = Weighted([(i, w) for i, (_, w, _) in enumerate(V.SURNAMES)])
_GIVEN = tuple((c, name_syllables("", c)[1][0]) for c in V.GIVEN_CHARS)
_NG = len(_GIVEN)


def chinese_person(rng: Rng, role: str, trad: bool = False, primary: bool = True) -> Name:
    u = rng.u
    surname, sur_pinyin, sur_roman = _SURNAMES[_SURNAME_TABLE.items[bisect_right(_SURNAME_TABLE.cum, u())]]
    r = u()
    c1, s1 = _GIVEN[r % _NG]
    if r & 0xC0000000:  # three quarters of given names have two characters
        c2, s2 = _GIVEN[(r >> 12) % _NG]
        name = surname + c1 + c2
        pinyin = f"{sur_pinyin} {s1.capitalize()} {s2.capitalize()}"
        romanized = f"{sur_roman}, {(s1 + s2).capitalize()}"
    else:
        name = surname + c1
        pinyin = f"{sur_pinyin} {s1.capitalize()}"
        romanized = f"{sur_roman}, {s1.capitalize()}"
    if trad:
        name, role = traditional(name), traditional(role)
    return _name(name=name, role=role, pinyin=pinyin, romanized=romanized, primary=primary)


def corporate_zh(name: str, role: str, trad: bool = False) -> Name:
    return _name(name=traditional(name) if trad else name, role=traditional(role) if trad else role, corporate=True,
                 pinyin=cnmarc_pinyin(name))


_NAME_POOLS = {"ger": V.GERMAN_NAMES, "fre": V.FRENCH_NAMES, "rus": V.RUSSIAN_NAMES, "jpn": V.JAPANESE_NAMES,
               "chn": V.CHINESE_IN_WESTERN}
_INITIALS = "ABCDEFGHJKLMNPRSTW"


def western_person(rng: Rng, role: str, pool: str = "eng", primary: bool = True) -> Name:
    u = rng.u
    names = _NAME_POOLS.get(pool)
    if names is not None:
        surname, forename = names[u() % len(names)]
        if pool == "jpn":
            return _name(name=f"{surname}, {forename}", role=role, display=f"{surname}{forename}", primary=primary)
        middle = ""
    else:
        r = u()
        surname = V.WESTERN_SURNAMES[r % len(V.WESTERN_SURNAMES)]
        forename = V.WESTERN_FORENAMES[(r >> 8) % len(V.WESTERN_FORENAMES)]
        middle = f" {_INITIALS[(r >> 16) % 18]}." if (r >> 24) < 90 else ""
    return _name(name=f"{surname}, {forename}{middle}", role=role, display=f"{forename}{middle} {surname}",
                 primary=primary)


def _zh_statement(names: list[Name], trad: bool) -> str:
    """200 $f / $g text for names sharing the last name's role: "李强, 王芳主编", "(美)曼昆著"."""
    if not names:
        return ""
    parts = []
    for n in names:
        if n.dynasty:
            parts.append(f"({n.dynasty}){n.name}")
        elif n.nationality:
            parts.append(f"({n.nationality}){n.name}")
        else:
            parts.append(n.name)
    role = names[-1].role
    if len(parts) > 3:
        return f"{parts[0]}等{role}"
    return ", ".join(parts) + role


def _en_statement(names: list[Name]) -> str:
    people = [n.display or n.name for n in names]
    if not people:
        return ""
    joined = people[0] if len(people) == 1 else (
        f"{people[0]} and {people[1]}" if len(people) == 2 else ", ".join(people[:-1]) + f", and {people[-1]}")
    role = names[0].role
    if role == "editor":
        return f"edited by {joined}"
    if role == "translator":
        return f"translated by {joined}"
    return joined


# --------------------------------------------------------------------------------------------- builders


class _Draft(dict):
    """Keyword arguments for Edition, filled step by step."""


def edition(seed: int, k: int) -> Edition:
    """Edition k of the corpus with this seed (pure function of its arguments)."""
    slot_index, block = slot_of(seed, k)
    slot = SLOTS[slot_index]
    rng = Rng(f"{seed}:{k}")
    d = _Draft(seed=seed, number=k)
    pub = slot.publisher
    if pub is None:
        _ancient(rng, d, seed, block, slot)
        return _new(Edition, d)
    info = _PUB_INFO[pub.name]
    u = rng.u
    year = info.years.items[bisect_right(info.years.cum, u())]
    era = info.eras[0]
    for e in info.eras:
        if year >= e[0]:
            era = e
    d.update(publisher=pub.name, place=era[1], year=year, date=str(year), country=pub.country, language=pub.language)
    mode = info.modes.items[bisect_right(info.modes.cum, u())]
    if info.western:
        d["script"] = "western"
        d["variant"] = pub.script
        if pub.language == "eng":
            (_western_classic if mode == "classic" else _western_topic)(rng, d, pub, info)
        else:
            _foreign(rng, d, pub)
    else:
        trad = pub.script == "traditional"
        d["variant"] = pub.script
        if mode == "classic":
            _classic(rng, d, pub, trad, ("ancient", "modern")) or _topic_zh(rng, d, pub, info, trad)
        elif mode == "canon":
            _classic(rng, d, pub, trad, ("canon",)) or _topic_zh(rng, d, pub, info, trad)
        elif mode == "literature":
            _literature(rng, d, pub, trad)
        elif mode == "translation":
            _translation(rng, d, pub, info, trad)
        elif mode == "yearbook":
            _yearbook(rng, d, pub, trad) or _topic_zh(rng, d, pub, info, trad)
        else:
            _topic_zh(rng, d, pub, info, trad)
        if "title_pinyin" not in d:
            d["title_pinyin"] = cnmarc_pinyin(d["title"])
    _isbn_and_price(u, d, seed, pub, slot, block, era, info.western)
    return _new(Edition, d)


_ISBN_OFFSETS: dict[tuple[int, str], int] = {}


def _isbn_and_price(u, d: _Draft, seed: int, pub: V.Publisher, slot: _Slot, block: int, era: tuple,
                    western: bool) -> None:
    year = d["year"]
    r = u()
    if year < (1970 if western else 1987) or r < 214748365:  # 5 % of the rest: internal publications
        if not western and year < 1987:
            d["unified_number"] = f"{2 + r % 16}{(1 + (r >> 8) % 300):03d}·{1 + (r >> 16) % 2999}"
    else:
        _, _, regs, size, cap = era
        offset = _ISBN_OFFSETS.get((seed, pub.name))
        if offset is None:
            offset = _ISBN_OFFSETS[(seed, pub.name)] = key64(f"{seed}:{pub.name}")
        n = (block * slot.multiplicity + slot.occurrence) % cap
        n = (n * _ISBN_MULT + offset % cap) % cap
        reg, pubno = divmod(n, size)
        registrant, publication = regs[reg], str(size + pubno)[1:]
        body = pub.group + registrant + publication
        check13 = isbn13_check("978" + body)
        d["isbn"] = "978" + body + check13
        if year < 2007:
            check10 = isbn10_check(body)
            d["isbn10"] = body + check10
            d["isbn_printed"] = f"{pub.group}-{registrant}-{publication}-{check10}"
        else:
            d["isbn_printed"] = f"978-{pub.group}-{registrant}-{publication}-{check13}"
    r = u()
    if western:
        d["price"] = _western_price(u, pub.country, year) if r & 0xFF < 154 else None
        d["binding"] = _BINDINGS[(r >> 8) % 5] if (r >> 16) & 1 else None
    else:
        d["price"] = price = _cny(u, year, d["pages"])
        d["binding"] = "精装" if r & 0xFF < 26 else None
        if pub.country in ("TW", "HK"):
            value = int(price[3:].split(".")[0]) * (4 if pub.country == "TW" else 1) + 20
            d["price"] = f"{'TWD' if pub.country == 'TW' else 'HKD'}{value}.00"


_BINDINGS = ("hardback", "paperback", "paperback", "hbk.", "pbk.")


# -- Chinese --------------------------------------------------------------------------------------------

_ROLE_TABLES = {form: Weighted(list(roles)) for form, roles in {
    "t": (("主编", 4), ("编著", 3), ("著", 3), ("编", 1)), "s": (("著", 7), ("主编", 2), ("编著", 1)),
    "h": (("著", 8), ("主编", 2)), "r": (("主编", 6), ("编", 4)), "p": (("主编", 7), ("编", 3)),
    "c": (("编著", 4), ("主编", 4), ("著", 2)), "l": (("主编", 6), ("编著", 2), ("编", 2)), "a": (("主编", 5), ("编", 5)),
}.items()}
_CORPORATE_SHARE = {"p": 0.35, "a": 0.2, "r": 0.15, "s": 0.04}
_PAGES = {"t": (200, 320), "s": (180, 280), "h": (240, 480), "r": (600, 1500), "p": (200, 220), "c": (180, 240),
          "l": (300, 600), "a": (220, 300)}  # (minimum, spread)
_EDITIONS_T = ("第2版", "第2版", "第2版", "第3版", "第3版", "第4版", "第5版")
_EDITIONS_OTHER = ("第2版", "修订版", "修订本", "增订本")
_SUMMARIES_ZH = {
    "t": "本书系统介绍了{t}的基本概念、基本原理和基本方法，注重理论与实践相结合，每章附有习题。"
         "本书可作为高等院校{m}类专业本科生的教材，也可供有关人员参考。",
    "s": "本书以{t}为研究对象，在梳理国内外相关文献的基础上，从理论与实证两个方面进行了深入探讨，提出了若干政策建议。",
    "h": "本书按时间顺序叙述了{t}的发展历程，分析了各个时期的主要特点及其历史地位。",
    "r": "本书收录{t}相关词目{n}000余条，按汉语拼音顺序排列，释义简明准确，是一部实用的工具书。",
    "p": "本报告全面分析了{y}年{t}的形势和主要问题，并对未来的发展趋势作出了预测。",
    "c": "本书精选{t}领域的典型案例{n}0个，对实务中的疑难问题进行了深入分析。",
    "l": "本书以{t}的条文为序，逐条阐释立法背景、条文主旨和适用要点，并附相关法律法规。",
    "a": "本书收录了关于{t}的研究论文{n}篇，反映了该领域的最新研究成果。",
    "lit": "本书是作者的{t}作品，描写了普通人的生活与命运，语言质朴，情感真挚。",
    "work": "本书是{t}的通行版本，据善本精校，附有注释和索引。",
}
_CHAPTER_NUMBERS = tuple(f"第{chinese_numeral(i)}章 " for i in range(1, 13))


def _authors_zh(u, rng: Rng, form: str, trad: bool) -> list[Name]:
    r = u()
    if r < _CORPORATE_SHARE.get(form, 0.0) * 4294967296.0:
        return [corporate_zh(V.CORPORATE_ZH[(r >> 4) % len(V.CORPORATE_ZH)], "编", trad)]
    table = _ROLE_TABLES[form]
    role = table.items[bisect_right(table.cum, u())]
    r = u() & 0xFF
    n = 1 if r < 141 else (2 if r < 214 else (3 if r < 245 else 4))
    return [chinese_person(rng, role, trad) for _ in range(n)]


def _topic_zh(rng: Rng, d: _Draft, pub: V.Publisher, info: _PubInfo, trad: bool) -> bool:
    u = rng.u
    prefix = info.classes.items[bisect_right(info.classes.cum, u())]
    topics = info.topics_zh[prefix]
    topic = topics[u() % len(topics)]
    kinds = topic.kinds
    r = u()
    if pub.textbooks and "t" in kinds and r < pub.textbooks / (pub.textbooks + 1) * 4294967296.0:
        form = "t"
    else:
        form = kinds[(r >> 3) % len(kinds)]
    table = V.GENRE_TABLES_ZH[form]
    word, en_pattern, form_subdiv, _ = table.items[bisect_right(table.cum, u())]
    zh = topic.zh
    parts = [zh] if (not word or zh.endswith(word)) else [zh, word]
    year = d["year"]
    other = None
    r = u()
    if form == "p" and r & 0xFF < 77:
        parts.insert(0, f"{year - (r >> 8) % 2}年")
    elif form in "sa" and r & 0xFF < 77:
        other = V.OTHER_TITLES_ZH[(r >> 8) % len(V.OTHER_TITLES_ZH)]
        if "{" in other:
            other = other.format(r=V.REGIONS_ZH[(r >> 12) % 8], p=V.PLACES_ZH[(r >> 16) % 12],
                                 t=V.THEORIES_ZH[(r >> 20) % len(V.THEORIES_ZH)], y1=year - 10 - (r >> 24) % 30,
                                 y2=year - 1 - (r >> 29) % 3)
    elif form == "t" and r & 0xFF < 115 and zh in V.TEXTBOOK_OTHER_TOPICS:
        other = V.TEXTBOOK_OTHER_ZH[(r >> 8) % len(V.TEXTBOOK_OTHER_ZH)]
    title = "".join(parts)
    names = _authors_zh(u, rng, form, trad)
    d["title_pinyin"] = " ".join([cnmarc_pinyin(p) for p in parts])
    if trad:
        title = traditional(title)
        other = traditional(other) if other else None
    d.update(mode="topic", form=form, clc=topic.clc, title=title, other_title=other, names=tuple(names),
             responsibility=_zh_statement(names, trad))
    r = u()
    if r & 0xFF < 47:  # ~18 %: an English parallel title
        d["parallel_title"] = _cap(en_pattern.format(topic.en))
        d["parallel_language"] = "eng"
    heading = topic.heading + form_subdiv if form_subdiv and form_subdiv not in topic.heading else topic.heading
    if (r >> 8) & 3 == 0:
        neighbours = _SUBJECT_NEIGHBOURS.get(topic.clc[:3], ())
        second = neighbours[(r >> 10) % len(neighbours)] if neighbours else topic
        if second.heading != topic.heading:
            d["subjects"] = (_subject(heading, trad), _subject(second.heading, trad))
            d["subjects_en"] = (subject(topic.lcsh + "$vTextbooks" if form == "t" else topic.lcsh), subject(second.lcsh))
    if "subjects" not in d:
        d["subjects"] = (_subject(heading, trad),)
        d["subjects_en"] = (subject(topic.lcsh + "$vTextbooks" if form == "t" else topic.lcsh),)
    low, spread = _PAGES[form]
    d["pages"] = low + (r >> 12) % spread
    if form in "hr" and (r >> 22) & 31 == 0:
        d["volumes"] = 2
    d["height_cm"] = (26, 26, 24, 23)[(r >> 27) & 3] if form in "tr" else (24, 23, 21, 26)[(r >> 27) & 3]
    r = u()
    if form == "t" and r & 0xFF < 77:
        d["edition_statement"] = traditional(_EDITIONS_T[(r >> 8) % 7]) if trad else _EDITIONS_T[(r >> 8) % 7]
    elif r & 0xFF >= 238:
        d["edition_statement"] = traditional(_EDITIONS_OTHER[(r >> 8) & 3]) if trad else _EDITIONS_OTHER[(r >> 8) & 3]
    _summary_zh(u, d, zh, form, trad)
    if (r >> 16) & 0xFF < (90 if form == "t" else 51):
        series = V.SERIES_ZH.get(form)
        if series:
            d["series"] = traditional(series[(r >> 24) % len(series)]) if trad else series[(r >> 24) % len(series)]
            if (r >> 29) < 3:
                d["series_number"] = str(1 + (r >> 4) % 60)
    return True


def _summary_zh(u, d: _Draft, topic: str, form: str, trad: bool) -> None:
    r = u()
    if r & 0xFF < 102:
        text = _SUMMARIES_ZH[form].format(t=topic, m=V.MAJORS_ZH.get(d["clc"][:1], "相关"), n=3 + (r >> 8) % 38,
                                          y=(d.get("year") or 2000) - 1)
        d["summary"] = traditional(text) if trad else text
    if (r >> 8) & 0xFF < 38 and form in V.CHAPTERS_ZH:
        chapters = V.CHAPTERS_ZH[form]
        start = (r >> 16) % (5 if form == "h" else 3)
        count = min(len(chapters) - start, 4 + (r >> 20) % 5)
        items = tuple(_CHAPTER_NUMBERS[i] + c.replace("{t}", topic) for i, c in enumerate(chapters[start:start + count]))
        d["contents"] = tuple(traditional(c) for c in items) if trad else items
    d["illustrations"] = (r >> 24) & 7 < 3
    d["bibliography"] = (r >> 27) < (14 if form in ("s", "h", "a") else 3)


def _classic(rng: Rng, d: _Draft, pub: V.Publisher, trad: bool, kinds: tuple[str, ...]) -> bool:
    works = _works(pub.classes, kinds) or _works(" ".join(f"{c}:1" for c in "ABCDEFGHIJKNOPQRSTUVXZ"), kinds)
    if not works:
        return False
    work = rng.choice(works)
    trad = trad or (work.kind == "ancient" and pub.name in ("中华书局", "上海古籍出版社") and rng.chance(0.4))
    d["variant"] = "traditional" if trad else "simplified"
    title = work.title_trad if trad else work.title
    dynasty = (work.dynasty_trad if trad else work.dynasty) or None
    role = work.role.replace("等", "")
    author = _name(name=work.author_trad if trad else work.author, role=traditional(role) if trad else role,
                   pinyin=cnmarc_pinyin(work.author), dynasty=dynasty)
    names = [author]
    statement = _zh_statement(names, trad)
    if work.role.startswith("等"):
        statement = f"({dynasty}){author.name}等{author.role}" if dynasty else f"{author.name}等{author.role}"
    secondary = None
    if work.kind == "ancient" and rng.chance(0.6):
        helper_role = rng.choice(("点校", "校注", "整理", "注译", "校点"))
        helpers = [chinese_person(rng, helper_role, trad, primary=False) for _ in range(rng.randint(1, 2))]
        names.extend(helpers)
        secondary = _zh_statement(helpers, trad)
    volumes = work.volumes if work.volumes > 1 and rng.chance(0.7) else 1
    d.update(mode="canon" if work.kind == "canon" else "classic", form="work", clc=work.clc, title=title,
             title_pinyin=cnmarc_pinyin(work.title), names=tuple(names), responsibility=statement,
             secondary_responsibility=secondary, subjects=(_subject(work.heading, trad),),
             subjects_en=(subject(work.lcsh),), volumes=volumes,
             pages=rng.randint(200, 600) * (1 if volumes == 1 else volumes), height_cm=rng.choice((21, 23, 24, 26)))
    if rng.chance(0.2):
        d["edition_statement"] = traditional("修订本") if trad else rng.choice(("修订本", "第2版", "新1版"))
    if rng.chance(0.3):
        series = rng.choice(("中国古典文学丛书", "中华经典名著全本全注全译丛书", "国学基本丛书", "中国史学基本典籍丛刊")
                            if work.kind == "ancient" else ("中国现代文学名著丛书", "名家名作", "典藏版", "经典文库"))
        d["series"] = traditional(series) if trad else series
    _summary_zh(rng.u, d, title, "work", trad)
    return True


_LIT_SUFFIX = ("文集", "作品精选", "中短篇小说集", "作品选")
_LIT_OTHER = {"短篇小说": "短篇小说集", "散文": "散文集", "诗": "诗集"}
_LIT_TOPIC = {"长篇小说": "长篇小说", "短篇小说": "短篇小说", "散文": "散文", "诗": "诗歌"}


def _literature(rng: Rng, d: _Draft, pub: V.Publisher, trad: bool) -> None:
    u = rng.u
    kind, clc, heading, lcsh, _ = V.LIT_FORM_TABLE.items[bisect_right(V.LIT_FORM_TABLE.cum, u())]
    author = chinese_person(rng, "著", trad)
    r = u()
    other = None
    if kind == "作品集" or (kind in ("散文", "诗") and r & 0xFF < 90):
        suffix = _LIT_SUFFIX[(r >> 8) & 3] if kind == "作品集" else ("散文选" if kind == "散文" else "诗选")
        title = author.name + suffix
        d["title_pinyin"] = f"{author.pinyin} {cnmarc_pinyin(suffix)}"
    else:
        if r & 0xFF < 179:
            parts = (V.LIT_A[(r >> 8) % len(V.LIT_A)], "的", V.LIT_B[(r >> 16) % len(V.LIT_B)])
        else:
            parts = (V.LIT_PLACES[(r >> 8) % len(V.LIT_PLACES)], V.LIT_NOUNS[(r >> 16) % len(V.LIT_NOUNS)])
        d["title_pinyin"] = " ".join([cnmarc_pinyin(p) for p in parts])
        d["title_parts"] = parts
        title = traditional("".join(parts)) if trad else "".join(parts)
        other = _LIT_OTHER.get(kind) if (r >> 24) < 154 else None
    names = [author]
    d.update(mode="literature", form="lit", clc=clc, title=title,
             other_title=(traditional(other) if trad else other) if other else None, names=tuple(names),
             responsibility=_zh_statement(names, trad), subjects=(_subject(heading, trad),),
             subjects_en=(subject(lcsh),), pages=120 + u() % 180 if kind == "诗" else 180 + u() % 440,
             height_cm=(21, 21, 23, 24)[u() & 3])
    _summary_zh(u, d, _LIT_TOPIC.get(kind, "文学"), "lit", trad)
    if u() & 0xFF < 31:
        series = V.SERIES_ZH["lit"][u() % len(V.SERIES_ZH["lit"])]
        d["series"] = traditional(series) if trad else series


_COUNTRY_ZH = {"美": "美国", "英": "英国", "法": "法国", "德": "德国", "俄": "俄罗斯", "日": "日本"}


def _translation(rng: Rng, d: _Draft, pub: V.Publisher, info: _PubInfo, trad: bool) -> None:
    u = rng.u
    prefix = info.classes.items[bisect_right(info.classes.cum, u())]
    translators = [chinese_person(rng, "译", trad, primary=False) for _ in range(1 if u() & 3 else 2)]
    if prefix.startswith("I"):
        zh, orig, translit, heading, nat, clc = V.FOREIGN_LITERATURE[u() % len(V.FOREIGN_LITERATURE)]
        author = _name(name=traditional(translit) if trad else translit, role=traditional("著") if trad else "著",
                       pinyin=cnmarc_pinyin(translit), nationality=nat, original=heading)
        title = traditional(zh) if trad else zh
        d["title_pinyin"] = cnmarc_pinyin(zh)
        form = "lit"
        subj = _subject(f"长篇小说$y{_COUNTRY_ZH.get(nat, '外国')}$z近代", trad)
        subj_en = subject("Fiction$xTranslations into Chinese")
        original_title = orig
    else:
        topics = _translatable_topics(prefix)
        topic = topics[u() % len(topics)]
        r = u()
        form = "t" if "t" in topic.kinds and r & 1 else ("h" if "h" in topic.kinds else "s")
        table = V.GENRE_TABLES_ZH[form]
        word, en_pattern, _, _ = table.items[bisect_right(table.cum, u())]
        parts = [topic.zh] if (not word or topic.zh.endswith(word)) else [topic.zh, word]
        d["title_pinyin"] = " ".join([cnmarc_pinyin(p) for p in parts])
        d["title_parts"] = tuple(parts)
        title = "".join(parts)
        title = traditional(title) if trad else title
        clc = topic.clc
        letter = clc[:1]
        candidates = _FOREIGN_BY_CLASS.get(letter) or V.FOREIGN_AUTHORS
        translit, heading, nat, _ = candidates[(r >> 4) % len(candidates)]
        author = _name(name=traditional(translit) if trad else translit, role=traditional("著") if trad else "著",
                       pinyin=cnmarc_pinyin(translit), nationality=nat, original=heading)
        subj, subj_en = _subject(topic.heading, trad), subject(topic.lcsh)
        original_title = _cap(en_pattern.format(topic.en))
    names = [author, *translators]
    r = u()
    d.update(mode="translation", form=form, clc=clc, title=title, names=tuple(names),
             responsibility=_zh_statement([author], trad), secondary_responsibility=_zh_statement(translators, trad),
             original_title=original_title, original_language=V.NATIONALITY_LANG.get(author.nationality or "", "eng"),
             subjects=(subj,), subjects_en=(subj_en,), pages=240 + r % 660, height_cm=(23, 24, 26, 24)[(r >> 12) & 3])
    if (r >> 16) & 0xFF < 31:
        d["edition_statement"] = traditional("第2版") if trad else ("第2版", "第3版", "原书第2版", "原书第3版")[(r >> 24) & 3]
    if (r >> 26) < 22:
        series = V.SERIES_ZH["trans"][(r >> 8) % len(V.SERIES_ZH["trans"])]
        d["series"] = traditional(series) if trad else series
    _summary_zh(u, d, title, "lit" if form == "lit" else form, trad)


_FOREIGN_BY_CLASS: dict[str, tuple] = {}
for _a in V.FOREIGN_AUTHORS:
    for _c in _a[3].split():
        _FOREIGN_BY_CLASS[_c] = _FOREIGN_BY_CLASS.get(_c, ()) + (_a,)


def _yearbook(rng: Rng, d: _Draft, pub: V.Publisher, trad: bool) -> bool:
    books = [y for y in V.YEARBOOKS if y[5] == pub.name] or [
        y for y in V.YEARBOOKS if any(y[2].startswith(c.split(":")[0]) for c in pub.classes.split())]
    if not books:
        return False
    title, corp, clc, heading, lcsh, _ = rng.choice(books)
    year = d["year"]
    data_year = year - rng.below(2)
    part = None
    if title == "中国发展报告" and year < 2000:
        title = f"'{data_year % 100:02d}{title}"
    elif "分析与预测" in title or title.endswith("报告"):
        title = f"{data_year}年{title}"
    else:
        part = str(data_year)
    names = [corporate_zh(corp, "编", trad)]
    if rng.chance(0.4):
        names.append(chinese_person(rng, "主编", trad))
    d.update(mode="yearbook", form="p", clc=clc, title=traditional(title) if trad else title, part_number=part,
             names=tuple(names), responsibility=_zh_statement(names[:1], trad),
             subjects=(_subject(f"{heading}$z{data_year}", trad),), subjects_en=(subject(lcsh),),
             pages=rng.randint(300, 1100), height_cm=rng.choice((27, 29, 26)))
    if "预测" in title or "报告" in title:
        d["series"] = "社会蓝皮书" if "社会" in title else ("经济蓝皮书" if "经济" in title else None)
    _summary_zh(rng.u, d, title, "p", trad)
    return True


# -- ancient books (古籍) ---------------------------------------------------------------------------------


def _ancient_pairs() -> tuple[tuple[int, int | None], ...]:
    pairs: list[tuple[int, int | None]] = []
    for i, (_, _, lo, hi) in enumerate(V.ANCIENT_PRINTERS):
        pairs.append((i, None))
        pairs.extend((i, y) for y in range(lo, hi + 1))
    return tuple(pairs)


ANCIENT_PAIRS = _ancient_pairs()
ANCIENT_WORKS = tuple(w for w in V.WORKS if w.kind == "ancient")
ANCIENT_SPACE = len(ANCIENT_PAIRS) * len(ANCIENT_WORKS)


def reign_date(year: int) -> str:
    for dynasty, reign, start, length in reversed(V.REIGNS):
        if start <= year < start + length:
            n = year - start + 1
            numeral = "元" if n == 1 else chinese_numeral(n)
            return f"{dynasty}{reign}{numeral}年[{year}]"
    return f"[{year}]"


def _ancient(rng: Rng, d: _Draft, seed: int, block: int, slot: _Slot) -> None:
    # (work, printer, year) is an injective function of the slot counter, so two ancient editions never
    # share title, author, printer and year (a title+author+year+edition key then identifies one edition)
    n = (block * slot.multiplicity + slot.occurrence) % ANCIENT_SPACE
    n = (n * _ISBN_MULT + key64(f"{seed}:ancient") % ANCIENT_SPACE) % ANCIENT_SPACE
    work = ANCIENT_WORKS[n % len(ANCIENT_WORKS)]
    printer_index, year = ANCIENT_PAIRS[n // len(ANCIENT_WORKS)]
    printer, place, lo, hi = V.ANCIENT_PRINTERS[printer_index]
    edition_type = rng.choice(V.ANCIENT_EDITIONS if lo < 1912 else ("鉛印本", "石印本", "影印本"))
    if year is None:
        date = "[清末]" if hi <= 1911 else "[民國間]"
        if lo < 1644:
            date = "[明末]"
    else:
        date = reign_date(year)
    author = Name(work.author_trad, work.role.replace("等", ""), pinyin=cnmarc_pinyin(work.author),
                  dynasty=work.dynasty_trad)
    statement = f"({work.dynasty_trad}){work.author_trad}{'等' if work.role.startswith('等') else ''}{author.role}"
    volumes = work.volumes * (1 + rng.below(4))
    heading = traditional(work.heading)
    d.update(script="chinese", variant="traditional", mode="ancient", form="work", language="chi", country="CN",
             title=work.title_trad, title_pinyin=cnmarc_pinyin(work.title_trad), publisher=printer, place=place,
             year=year, date=date, clc=work.clc, pages=0, height_cm=rng.randint(24, 30), names=(author,),
             responsibility=statement, subjects=(subject(heading),), subjects_en=(subject(work.lcsh),),
             volumes=volumes, ancient_edition=edition_type)
    if rng.chance(0.3):
        d["summary"] = f"版框高{rng.randint(17, 23)}釐米，寬{rng.randint(12, 16)}釐米。半葉{rng.randint(8, 12)}行，" \
                       f"行{rng.randint(18, 24)}字，白口，{rng.choice(('左右雙邊', '四周雙邊', '四周單邊'))}。"


# -- Western ---------------------------------------------------------------------------------------------

_W_PAGES = {"t": (180, 720), "s": (180, 520), "h": (200, 600), "r": (500, 700)}
_EDITIONS_EN_T = ("2nd ed.", "2nd ed.", "3rd ed.", "4th ed.", "5th ed.", "Rev. ed.")
_EDITIONS_EN = ("2nd ed.", "New ed.", "Rev. ed.", "2nd ed.")
_SUMMARIES_EN = {
    "t": "This textbook provides a comprehensive introduction to {t}, covering fundamental concepts, key methods and "
         "recent developments. Each chapter includes worked examples and exercises.",
    "s": "This book offers a critical examination of {t}. Drawing on extensive research, it explores the central "
         "debates and proposes a new framework for understanding the field.",
    "h": "This book traces the history of {t} from its origins to the present day, drawing on a wide range of sources.",
    "r": "This volume brings together leading scholars to provide an authoritative overview of {t}.",
}


def _western_topic(rng: Rng, d: _Draft, pub: V.Publisher, info: _PubInfo) -> None:
    u = rng.u
    prefix = info.classes.items[bisect_right(info.classes.cum, u())]
    topics = info.topics_en[prefix]
    topic = topics[u() % len(topics)]
    kinds = topic.kinds
    r = u()
    if pub.textbooks and "t" in kinds and r < pub.textbooks / (pub.textbooks + 1) * 4294967296.0:
        form = "t"
    else:
        form = kinds[(r >> 3) % len(kinds)]
        if form == "s" and (r >> 8) & 0xFF < 20:
            form = "r"
    table = V.TITLE_TABLES_EN[form]
    pattern = table.items[bisect_right(table.cum, u())]
    phrase = topic.phrase
    title = _cap(pattern.replace("{Tc}", _cap(phrase)).replace("{T}", phrase))
    r = u()
    subtitle = None
    if r & 0xFF < 90 and ":" not in title:
        subs = V.SUBTITLES_EN[form]
        subtitle = subs[(r >> 8) % len(subs)]
    china = "China" in phrase or "Chinese" in phrase or topic.clc.startswith("K2")
    pool = "chn" if china and (r >> 16) & 3 == 0 else "eng"
    if form == "r" or (form == "s" and (r >> 18) & 7 == 0):
        names = [western_person(rng, "editor", pool) for _ in range(1 + (r >> 21) % 3)]
    elif (r >> 23) & 0xFF < 8 and topic.clc[:1] in "FD":
        names = [_name(name=V.CORPORATE_EN[(r >> 4) % len(V.CORPORATE_EN)], role="author", corporate=True)]
    else:
        x = (r >> 24) & 0x7F
        names = [western_person(rng, "author", pool) for _ in range(1 if x < 77 else (2 if x < 113 else 3))]
    subjects = (subject(topic.lcsh + "$vTextbooks" if form == "t" else topic.lcsh),)
    low, spread = _W_PAGES[form]
    r = u()
    d.update(mode="topic", form=form, clc=topic.clc, title=title, other_title=subtitle, names=tuple(names),
             responsibility=names[0].name if names[0].corporate else _en_statement(names), subjects=subjects,
             subjects_en=subjects, pages=low + r % spread, prelims=_ROMAN[6 + (r >> 10) % 25],
             height_cm=(23, 24, 24, 25, 26, 24, 23, 25)[(r >> 15) & 7], illustrations=bool((r >> 18) & 1),
             bibliography=(r >> 19) & 7 != 0)
    if form == "t" and (r >> 22) & 0xFF < 90:
        d["edition_statement"] = _EDITIONS_EN_T[(r >> 3) % 6]
    elif (r >> 22) & 0xFF >= 243:
        d["edition_statement"] = _EDITIONS_EN[(r >> 3) & 3]
    r = u()
    if r & 0xFF < 51 and form in V.SERIES_EN:
        series = _series_en(pub.name, form)
        d["series"] = _cap(series[(r >> 8) % len(series)].replace("{T}", phrase))
        if pub.name == "Springer" and (r >> 16) & 3:
            d["series_number"] = str(1 + (r >> 4) % 12000)
    if (r >> 20) & 0xFF < 77:
        d["summary"] = _SUMMARIES_EN[form].replace("{t}", phrase)
    if (r >> 28) < 3:
        chapters = V.CHAPTERS_EN.get(form, V.CHAPTERS_EN["s"])
        count = min(len(chapters), 4 + (r >> 12) % 5)
        d["contents"] = tuple(c.replace("{Tc}", _cap(phrase)).replace("{T}", phrase) for c in chapters[:count])


_SERIES_BRANDS = ("Routledge", "Cambridge", "Oxford", "Palgrave", "Springer", "Wiley", "Pearson")
_SERIES_BY: dict[tuple[str, str], tuple[str, ...]] = {}


def _series_en(publisher: str, form: str) -> tuple[str, ...]:
    """Series titles a publisher could use: branded series only for their own brand."""
    key = (publisher, form)
    found = _SERIES_BY.get(key)
    if found is None:
        found = tuple(s for s in V.SERIES_EN[form]
                      if not s.startswith(_SERIES_BRANDS) or publisher.startswith(s.split(" ")[0]))
        found = _SERIES_BY[key] = found or ("Studies in {T}",)
    return found


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += letters
            n -= value
    return out


_ROMAN = tuple(_roman(i) for i in range(100))


def _western_classic(rng: Rng, d: _Draft, pub: V.Publisher, info: _PubInfo) -> None:
    title, author, clc, lcsh, orig_lang = rng.choice(V.ENGLISH_CLASSICS)
    display = (author.split(", ")[1] + " " + author.split(", ")[0]) if ", " in author else author
    names = [_name(name=author, role="author", display=display)]
    if orig_lang:
        translator = rng.choice(V.TRANSLATORS_EN)
        names.append(_name(name=translator, role="translator", primary=False,
                           display=translator.split(", ")[1] + " " + translator.split(", ")[0]))
    subjects = (subject(lcsh),)
    d.update(mode="classic", form="work", clc=clc, title=_cap(title), names=tuple(names), responsibility=display,
             original_language=orig_lang, subjects=subjects, subjects_en=subjects,
             secondary_responsibility=_en_statement(names[1:]) if len(names) > 1 else None,
             pages=rng.randint(200, 700), prelims=_ROMAN[rng.randint(10, 60)], height_cm=rng.choice((18, 20, 20, 23)))
    if rng.chance(0.4):
        d["series"] = {"Penguin": "Penguin classics", "Oxford University Press": "Oxford world's classics",
                       "Dover Publications": "Dover thrift editions"}.get(pub.name, "Norton critical edition")
    if rng.chance(0.3):
        d["summary"] = f"A new edition of {title}, with an introduction and notes."


_FOREIGN_SUBTITLES = {"ger": ("eine Einführung", "Theorie und Praxis", "ein Lehrbuch", "Grundlagen und Methoden"),
                      "fre": ("une introduction", "textes et documents", "manuel", "nouvelle édition"),
                      "rus": ("учебник", "учебное пособие", "монография"),
                      "jpn": ("その歴史と現在", "研究序説", "入門")}
_FOREIGN_EDITIONS = {"ger": "2. Aufl.", "fre": "2e éd.", "rus": "2-е изд.", "jpn": "第2版"}


def _foreign(rng: Rng, d: _Draft, pub: V.Publisher) -> None:
    lang = pub.language
    item = rng.choice(V.FOREIGN_TITLES[lang])
    subtitle = rng.choice(_FOREIGN_SUBTITLES[lang]) if rng.chance(0.3) else None
    names = [western_person(rng, "author", lang) for _ in range(1 if rng.chance(0.75) else 2)]
    subjects = (subject(item.lcsh),)
    d.update(mode="topic", form="s", clc=item.clc, title=item.title, other_title=subtitle, names=tuple(names),
             responsibility=", ".join(n.display or n.name for n in names), subjects=subjects, subjects_en=subjects,
             pages=rng.randint(150, 700), prelims=_ROMAN[rng.randint(4, 20)] if lang != "jpn" else None,
             height_cm=rng.choice((21, 22, 24)))
    if rng.chance(0.1):
        d["edition_statement"] = _FOREIGN_EDITIONS[lang]
