"""Journals and their articles, generated: foreign journals of the big publishers and a share of Chinese ones,
written as the files real feeds deliver - table-of-contents CSV (harvesters/feeds/csvtoc.py) and Crossref
work lists - so that the demo loads them through the real feed parsers and `indexer.articles.ArticleLoader`.

    spec = ArticleSpec(articles=20000, seed=1)
    journals(spec)                  # the journals (a few hundred; a pure function of seed and count)
    for article in iter_articles(spec): ...
    write_articles(spec, "out/")    # out/toc/<publisher>/<journal>.csv, out/crossref/<journal>.json

Journals. Journal j is drawn from `Rng(f"journal:{seed}:{j}")`: a discipline (data/disciplines.tsv), one of
its publishers (data/publishers.tsv), a title pattern of that publisher and a field of the discipline
("IEEE Transactions on Signal Processing"); every twelfth slot is a Chinese journal (data/journals_zh.tsv)
while they last. ISSNs come from a bijection of the journal number onto 7-digit bodies, so they are unique,
with valid check digits; the print ISSN is the ISSN-L, online-only journals have only an eISSN. The list is
prefix-stable: `journals(seed, n)[:m] == journals(seed, m)`.

Articles. `articles` are shared among the journals by weight (largest remainder). A journal prints one
volume a year from its first year and `issues` issues a volume; its n articles fill whole issues of m
articles (m grows when n outgrows the issues there are), spread evenly over 2000-2024, so every issue
present has a complete table of contents. Article k of journal j is a pure function of (seed, j, k):
English (or Chinese) title from the discipline's vocabulary (data/article_terms.tsv, article_text.tsv),
1-8 authors "Surname, Given", pages running through the volume, a DOI under the fake prefix 10.99999, an
abstract of five sentences and keywords.

Files. Every journal has a TOC CSV in one of three header styles (the documented columns, a publisher's
variant names, a CNKI-style Chinese header as TSV). Journals a publisher delivers through Crossref get a
work-list JSON with every article, and their CSV holds only the latest issue (the publisher's TOC alert):
those articles arrive twice and are merged on their DOI. Generation streams journal by journal.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from math import ceil
from pathlib import Path
from typing import Iterator

import orjson

from yidu.corpus import vocab as V
from yidu.corpus.hanzi import name_syllables
from yidu.corpus.identifiers import make_issn
from yidu.corpus.rng import Rng, Weighted, key64

DOI_PREFIX = "10.99999"
YEARS = (2000, 2024)  # the years articles are drawn from
ZH_EVERY, ZH_AT = 12, 5  # journal slot j is Chinese when j % ZH_EVERY == ZH_AT (while Chinese titles last)
MIN_JOURNALS, MAX_JOURNALS, ARTICLES_PER_JOURNAL = 40, 400, 60
_MOD = 10_000_000  # ISSN bodies: 7 digits


# --- the data files -----------------------------------------------------------------------------------

def _weights(text: str, sep: str = "|") -> Weighted:
    pairs = [item.rsplit(":", 1) for item in text.split(sep) if item]
    return Weighted([(name, float(weight)) for name, weight in pairs])


def _span(text: str) -> tuple[int, int]:
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


@dataclass(frozen=True)
class Discipline:
    code: str
    name_en: str
    name_zh: str  # 一级学科
    degree_zh: str  # 学位门类: 经济学, 工学 ...
    degree_en: str  # "Economics": Master of Economics
    authors: tuple[int, int]
    pages: tuple[int, int]
    weight: float
    fields: tuple[str, ...]
    publishers: Weighted
    family: str  # "social" | "science"


@dataclass(frozen=True)
class Publisher:
    name: str
    code: str
    years: tuple[int, int]
    issues: tuple[int, ...]
    online_only: float
    crossref: float
    patterns: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class Terms:
    """(English, Chinese) pairs of one discipline."""

    topic: tuple[tuple[str, str], ...]
    method: tuple[tuple[str, str], ...]
    setting: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def disciplines() -> dict[str, Discipline]:
    out = {}
    for r in V._rows("disciplines.tsv"):
        out[r[0]] = Discipline(r[0], r[1], r[2], r[3], r[4], _span(r[5]), _span(r[6]), float(r[7]),
                               tuple(r[8].split("|")), _weights(r[9]), r[10])
    return out


@lru_cache(maxsize=1)
def publishers() -> dict[str, Publisher]:
    return {r[0]: Publisher(r[0], r[1], _span(r[2]), tuple(int(x) for x in r[3].split()), float(r[4]), float(r[5]),
                            tuple(r[6].split("|")), r[7])
            for r in V._rows("publishers.tsv")}


@lru_cache(maxsize=1)
def terms() -> dict[str, Terms]:
    found: dict[str, dict[str, list]] = {}
    for code, kind, text in V._rows("article_terms.tsv"):
        pairs = [tuple(p.split("=", 1)) for p in text.split("|")]
        found.setdefault(code, {}).setdefault(kind, []).extend(pairs)
    common, social = found.pop("*", {}), found.pop("social", {})

    def kind(code: str, name: str) -> tuple:
        extra = social if disciplines()[code].family == "social" else {}
        return tuple(found[code].get(name, []) + common.get(name, []) + extra.get(name, []))

    return {code: Terms(kind(code, "topic"), kind(code, "method"), kind(code, "setting")) for code in found}


@lru_cache(maxsize=1)
def _text_rows() -> tuple[tuple[str, str, float, str], ...]:
    return tuple((lang, slot, float(weight), pattern) for lang, slot, weight, pattern in V._rows("article_text.tsv"))


@lru_cache(maxsize=128)
def patterns(language: str, slot: str, family: str) -> Weighted:
    """The patterns of a slot for a discipline family: the slot's own and its "slot/family" ones."""
    wanted = (slot, f"{slot}/{family}")
    return Weighted([(p, w) for lang, s, w, p in _text_rows() if lang == language and s in wanted])


@lru_cache(maxsize=1)
def discipline_table() -> Weighted:
    return Weighted([(d.code, d.weight) for d in disciplines().values()])


@lru_cache(maxsize=1)
def chinese_journals() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(r) for r in V._rows("journals_zh.tsv"))


@lru_cache(maxsize=1)
def toc_styles() -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
    """style -> (delimiter, (canonical column, header) in file order) (data/toc_styles.tsv)."""
    out = {}
    for style, delimiter, columns in V._rows("toc_styles.tsv"):
        pairs = tuple(tuple(c.split("=", 1)) for c in columns.split("|"))
        out[style] = ("\t" if delimiter == "tab" else ",", pairs)
    return out


# --- journals -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Journal:
    number: int
    title: str
    publisher: str
    discipline: str
    language: str  # "en" | "zh"
    issn: str | None  # print
    eissn: str | None
    issn_l: str
    first_year: int  # volume 1
    issues: int  # issues per year (one volume a year)
    code: str  # journal code: DOIs, URLs, file names
    crossref: bool  # the publisher delivers its articles as Crossref JSON
    url: str
    weight: float

    def volume(self, year: int) -> int:
        return year - self.first_year + 1

    @property
    def issns(self) -> tuple[str, ...]:
        return tuple(i for i in (self.issn, self.eissn) if i)


def journal_count(articles: int) -> int:
    """A few hundred journals at the demo size, fewer for small corpora."""
    return max(MIN_JOURNALS, min(MAX_JOURNALS, round(articles / ARTICLES_PER_JOURNAL)))


def _issn_pair(seed: int, j: int) -> tuple[str, str]:
    """Print and online ISSN of journal j: x -> (a*x + c) mod 10**7 is a bijection (gcd(a, 10) = 1)."""
    z = key64(f"issn:{seed}")
    a = (z % (_MOD // 10)) * 10 + (1, 3, 7, 9)[(z >> 40) % 4]
    c = (z >> 20) % _MOD
    return tuple(make_issn(f"{(a * x + c) % _MOD:07d}") for x in (2 * j, 2 * j + 1))


@lru_cache(maxsize=8)
def journals_for(seed: int, count: int) -> tuple[Journal, ...]:
    out: list[Journal] = []
    seen: set[str] = set()
    zh = chinese_journals()
    for j in range(count):
        nth = j // ZH_EVERY
        if j % ZH_EVERY == ZH_AT and nth < len(zh):
            out.append(_chinese_journal(seed, j, zh[nth]))
        else:
            out.append(_foreign_journal(seed, j, seen))
        seen.add(out[-1].title)
    return tuple(out)


def _foreign_journal(seed: int, j: int, seen: set[str]) -> Journal:
    for attempt in range(100):
        r = Rng(f"journal:{seed}:{j}:{attempt}")
        discipline = r.pick(discipline_table())
        publisher = publishers()[r.pick(disciplines()[discipline].publishers)]
        title = r.choice(publisher.patterns).format(F=r.choice(disciplines()[discipline].fields))
        if title not in seen:
            break
    issn, eissn = _issn_pair(seed, j)
    online_only = r.chance(publisher.online_only)
    abbreviation = "".join(w[0] for w in title.replace("&", " ").split() if w[0].isalpha()).lower()
    code = f"{publisher.code}.{abbreviation}{j}"
    return Journal(j, title, publisher.name, discipline, "en", None if online_only else issn, eissn,
                   eissn if online_only else issn, r.randint(*publisher.years), r.choice(publisher.issues), code,
                   r.chance(publisher.crossref), publisher.url.format(slug=code.split(".", 1)[1]),
                   0.5 + 1.5 * r.random())


def _chinese_journal(seed: int, j: int, row: tuple[str, ...]) -> Journal:
    title, publisher, discipline, first_year, issues, code = row
    r = Rng(f"journal:{seed}:{j}")
    issn, eissn = _issn_pair(seed, j)
    return Journal(j, title, publisher, discipline, "zh", issn, eissn if r.chance(0.3) else None, issn,
                   int(first_year), int(issues), f"cn.{code}", False,
                   f"https://navi.cnki.example/knavi/journals/{code}", 0.8 + 1.2 * r.random())


# --- the spec and the allocation -----------------------------------------------------------------------

@dataclass(frozen=True)
class ArticleSpec:
    articles: int
    seed: int = 1
    journals: int | None = None  # None: journal_count(articles)

    def __post_init__(self):
        if self.articles < 0:
            raise ValueError("articles must be >= 0")

    @property
    def journal_total(self) -> int:
        return self.journals if self.journals is not None else journal_count(self.articles)


def journals(spec: ArticleSpec) -> tuple[Journal, ...]:
    return journals_for(spec.seed, spec.journal_total)


def allocation(spec: ArticleSpec) -> list[int]:
    """Articles per journal, summing to spec.articles (largest remainder over the journal weights)."""
    js = journals(spec)
    total = sum(j.weight for j in js)
    exact = [spec.articles * j.weight / total for j in js]
    counts = [int(x) for x in exact]
    for i in sorted(range(len(js)), key=lambda i: (counts[i] - exact[i], i))[:spec.articles - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass(frozen=True)
class Issue:
    year: int
    number: int
    size: int  # articles in it
    first: int  # number (within the journal) of its first article


def issues(journal: Journal, n: int) -> list[Issue]:
    """The issues holding the journal's n articles: m articles each, spread evenly over the years."""
    years = list(range(max(YEARS[0], journal.first_year), YEARS[1] + 1))
    slots = len(years) * journal.issues
    if n == 0 or slots == 0:
        return []
    r = Rng(f"issues:{journal.number}:{journal.code}")
    m = max(r.randint(6, 14), ceil(n / slots))
    wanted = ceil(n / m)
    out = []
    for k in range(wanted):
        slot = (2 * k + 1) * slots // (2 * wanted)
        out.append(Issue(years[slot // journal.issues], slot % journal.issues + 1, min(m, n - k * m), k * m))
    return out


# --- articles -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Article:
    journal: Journal
    number: int  # within the journal
    year: int
    volume: int
    issue: int
    first_page: int
    last_page: int
    title: str
    authors: tuple[str, ...]  # "Surname, Given" (Chinese journals: 王晓明)
    doi: str
    abstract: str
    keywords: tuple[str, ...]

    @property
    def language(self) -> str:
        return self.journal.language

    @property
    def month(self) -> int:
        return 1 + (self.issue - 1) * 12 // self.journal.issues


def iter_articles(spec: ArticleSpec) -> Iterator[Article]:
    """Every article, journal by journal, issue by issue."""
    for journal, n in zip(journals(spec), allocation(spec)):
        yield from journal_articles(spec.seed, journal, n)


def journal_articles(seed: int, journal: Journal, n: int) -> Iterator[Article]:
    d = disciplines()[journal.discipline]
    for issue in issues(journal, n):
        page = 1 + (issue.number - 1) * issue.size * sum(d.pages) // 2  # volumes paginate continuously
        for k in range(issue.first, issue.first + issue.size):
            article = _article(seed, journal, d, issue, k, page)
            page = article.last_page + 1
            yield article


def _article(seed: int, journal: Journal, d: Discipline, issue: Issue, k: int, page: int) -> Article:
    r = Rng(f"article:{seed}:{journal.number}:{k}")
    t = terms()[d.code]
    side = 1 if journal.language == "zh" else 0
    topic, topic2 = (pair[side] for pair in r.sample(t.topic, 2))
    method, setting = r.choice(t.method)[side], r.choice(t.setting)[side]
    values = {"topic": topic, "Topic": capital(topic), "topic2": topic2, "method": method, "Method": capital(method),
              "setting": setting, "n": r.randint(80, 12000), "pct": r.randint(3, 40)}
    title = r.pick(patterns(journal.language, "title", d.family)).format(**values)
    authors = tuple(_author(r, journal.language) for _ in range(r.randint(*d.authors)))
    last = page + r.randint(*d.pages) - 1
    seq = k - issue.first + 1
    doi = f"{DOI_PREFIX}/{journal.code}.{issue.year}.{issue.number:02d}.{seq:03d}"
    keywords = (topic, topic2, _bare(method)) + ((setting,) if r.chance(0.5) else ())
    return Article(journal, k, issue.year, journal.volume(issue.year), issue.number, page, last, title,
                   tuple(dict.fromkeys(authors)), doi, abstract(r, journal.language, d.family, values), keywords)


def abstract(r: Rng, language: str, family: str, values: dict) -> str:
    sep = "" if language == "zh" else " "
    return sep.join(r.pick(patterns(language, slot, family)).format(**values)
                    for slot in ("background", "aim", "method", "result", "conclusion"))


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _bare(method: str) -> str:
    """A method as a keyword: without its article ("a case study" -> "case study")."""
    for article in ("a ", "an "):
        if method.startswith(article):
            return method[len(article):]
    return method


def _author(r: Rng, language: str) -> str:
    if language == "zh":
        return chinese_name(r)
    u = r.random()
    if u < 0.4:
        return pinyin_name(r)
    if u < 0.85:
        return f"{r.choice(V.WESTERN_SURNAMES)}, {r.choice(V.WESTERN_FORENAMES)}"
    surname, given = r.choice(V.GERMAN_NAMES + V.FRENCH_NAMES)
    return f"{surname}, {given}"


def chinese_name(r: Rng) -> str:
    surname, _ = r.pick(V.SURNAME_TABLE)
    return surname + "".join(r.choice(V.GIVEN_CHARS) for _ in range(1 + r.below(2)))


def pinyin_name(r: Rng) -> str:
    """A Chinese scholar's name as English-language journals print it: "Wang, Xiaoming"."""
    surname, reading = r.pick(V.SURNAME_TABLE)
    given = "".join(r.choice(V.GIVEN_CHARS) for _ in range(1 + r.below(2)))
    sur, syllables = name_syllables(surname, given, reading)
    return f"{capital(sur.replace(' ', ''))}, {capital(''.join(syllables))}"


# --- files ----------------------------------------------------------------------------------------------

@dataclass
class ArticleFiles:
    """What `write_articles` wrote."""

    directory: Path
    journals: int = 0
    articles: int = 0
    csv_files: int = 0
    csv_rows: int = 0
    crossref_files: int = 0
    crossref_items: int = 0  # articles delivered (also) as Crossref works


def write_articles(spec: ArticleSpec, out: str | Path) -> ArticleFiles:
    """Write the corpus as TOC CSV files and Crossref work lists under `out` (streaming, journal by journal)."""
    out = Path(out)
    report = ArticleFiles(out)
    for journal, n in zip(journals(spec), allocation(spec)):
        if n == 0:
            continue
        report.journals += 1
        report.articles += n
        latest = issues(journal, n)[-1]
        csv_path = out / "toc" / journal.code.split(".")[0] / f"{journal.code}.csv"
        json_path = out / "crossref" / f"{journal.code}.json"
        with _TocWriter(csv_path, style_of(journal)) as toc, _CrossrefWriter(json_path if journal.crossref else None,
                                                                              n) as works:
            for article in journal_articles(spec.seed, journal, n):
                if not journal.crossref or (article.year, article.issue) == (latest.year, latest.number):
                    toc.write(article)
                works.write(article)
        report.csv_files += 1
        report.csv_rows += toc.rows
        report.crossref_files += journal.crossref
        report.crossref_items += works.items
    return report


def style_of(journal: Journal) -> str:
    if journal.language == "zh":
        return "cnki"
    return "publisher" if key64(f"style:{journal.code}") % 10 < 3 else "documented"


def toc_row(article: Article) -> dict[str, str]:
    """One article as the canonical CSV columns of harvesters/feeds/csvtoc.py."""
    j = article.journal
    return {"issn": j.issn or "", "eissn": j.eissn or "", "issn_l": j.issn_l, "journal": j.title,
            "publisher": j.publisher, "volume": str(article.volume), "issue": str(article.issue),
            "year": str(article.year), "title": article.title, "authors": "; ".join(article.authors),
            "first_page": str(article.first_page), "last_page": str(article.last_page), "doi": article.doi,
            "abstract": article.abstract, "keywords": "; ".join(article.keywords), "language": article.language}


class _TocWriter:
    def __init__(self, path: Path, style: str):
        self.path = path
        self.delimiter, self.columns = toc_styles()[style]
        self.rows = 0

    def __enter__(self) -> "_TocWriter":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle, delimiter=self.delimiter, lineterminator="\r\n")
        self.writer.writerow([header for _, header in self.columns])
        return self

    def write(self, article: Article) -> None:
        row = toc_row(article)
        self.writer.writerow([row[canonical] for canonical, _ in self.columns])
        self.rows += 1

    def __exit__(self, *exc) -> None:
        self.handle.close()


class _CrossrefWriter:
    """A Crossref `work-list` message, written item by item (None: writes nothing)."""

    def __init__(self, path: Path | None, total: int):
        self.path = path
        self.total = total
        self.items = 0

    def __enter__(self) -> "_CrossrefWriter":
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "wb")
            head = {"status": "ok", "message-type": "work-list", "message-version": "1.0.0"}
            self.handle.write(orjson.dumps(head)[:-1] + b',"message":{"total-results":%d,"items-per-page":%d,'
                                                         b'"items":[' % (self.total, self.total))
        return self

    def write(self, article: Article) -> None:
        if self.path is None:
            return
        self.handle.write((b"," if self.items else b"") + b"\n" + orjson.dumps(crossref_work(article)))
        self.items += 1

    def __exit__(self, *exc) -> None:
        if self.path is not None:
            self.handle.write(b"\n]}}\n")
            self.handle.close()


def crossref_work(article: Article) -> dict:
    """One article as a Crossref REST API work item."""
    j = article.journal
    issn_types = [{"value": v, "type": t} for v, t in ((j.issn, "print"), (j.eissn, "electronic")) if v]
    day = 1 + key64(article.doi) % 28
    authors = []
    for n, name in enumerate(article.authors):
        family, _, given = name.partition(", ")
        authors.append({"given": given, "family": family, "sequence": "first" if n == 0 else "additional",
                        "affiliation": []})
    return {
        "DOI": article.doi, "type": "journal-article", "title": [article.title], "container-title": [j.title],
        "publisher": j.publisher, "ISSN": [i["value"] for i in issn_types], "issn-type": issn_types,
        "volume": str(article.volume), "issue": str(article.issue),
        "page": f"{article.first_page}-{article.last_page}", "author": authors,
        "published-print": {"date-parts": [[article.year, article.month]]},
        "published-online": {"date-parts": [[article.year, article.month, day]]},
        "abstract": f"<jats:p>{_escape(article.abstract)}</jats:p>", "subject": [disciplines()[j.discipline].name_en],
        "language": article.language, "URL": f"https://doi.org/{article.doi}",
        "indexed": {"date-time": f"{min(article.year + 1, YEARS[1])}-06-01T00:00:00Z"},
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

