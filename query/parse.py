"""Our own query parser: what a reader types becomes a small tree, never a `query_string`.

Syntax (Chinese and full-width punctuation are read as their ASCII twins first):

  words                    中国 发展报告, data structures      adjacent words form one text run
  "a phrase"               “红楼梦” 「红楼梦」 《红楼梦》        exact (character-level) phrase
  field:value              title: author: subject: publisher: clc: isbn: issn: doi: year:
                           (and 题名: 书名: 作者: 著者: 主题: 出版社: 分类号: 年份: ...)
  field:"phrase"  field:(a OR b)
  year:2001  year:2001-2005  year:2001-  year:-1949
  AND  OR  NOT  -word  ( )  ＡＮＤ  与 或 非 (Chinese operators only as standalone tokens)

Malformed input degrades to what the reader most likely meant, with a warning in `Parsed.warnings`;
only input that cannot mean anything sensible raises `QueryError` (the API answers 400):

  | input                                  | outcome                                              |
  |----------------------------------------|------------------------------------------------------|
  | unbalanced quote  `"red chamber`       | the phrase runs to the end (warning)                 |
  | missing `)`  `(a OR b`                 | closed at the end (warning)                          |
  | stray `)`  `a) b`                      | dropped (warning)                                    |
  | dangling operator `a AND`, `OR b`, `a AND OR b`, `NOT` | the operator is dropped (warning)    |
  | unknown field  `foo:bar`, `Python: a guide` | plain words (titles contain colons)             |
  | known field without value  `title:`    | dropped (warning)                                    |
  | `isbn:123`, `issn:x`, `doi:x` not valid | QueryError: says which identifier is malformed      |
  | `year:abc`, `year:99999`               | QueryError: year expects YYYY or YYYY-YYYY           |
  | `year:2005-2001`                       | read as 2001-2005 (warning)                          |
  | nesting deeper than MAX_DEPTH, more than MAX_CLAUSES leaves | QueryError                      |
  | only punctuation / empty               | no text: everything matches (browse)                 |
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Union

from query.errors import QueryError
from yidu import identifiers

MAX_DEPTH = 8
MAX_CLAUSES = 40

# field name as typed -> canonical field
FIELDS = {
    "title": "title", "ti": "title", "题名": "title", "书名": "title", "刊名": "title", "篇名": "title",
    "author": "author", "au": "author", "作者": "author", "著者": "author", "责任者": "author",
    "subject": "subject", "su": "subject", "主题": "subject", "主题词": "subject", "关键词": "subject",
    "publisher": "publisher", "pub": "publisher", "出版社": "publisher", "出版者": "publisher",
    "clc": "clc", "分类号": "clc", "中图分类号": "clc",
    "isbn": "isbn", "issn": "issn", "doi": "doi",
    "year": "year", "py": "year", "年份": "year", "出版年": "year",
}
OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT", "与": "AND", "或": "OR", "非": "NOT", "&&": "AND", "||": "OR"}

# Chinese and typographic punctuation -> the ASCII the grammar uses. NFKC already turns full-width
# ASCII (（）：＂ＡＮＤ) into ASCII; these have no compatibility mapping.
_PUNCT = str.maketrans({
    "“": '"', "”": '"', "„": '"', "‟": '"', "「": '"', "」": '"', "『": '"', "』": '"', "《": '"', "》": '"',
    "〈": '"', "〉": '"', "，": " ", "。": " ", "、": " ", "；": " ", "！": " ", "？": " ", "︰": ":",
})
_YEAR = re.compile(r"(\d{1,4})?\s*(-|~|–|—|to|至)?\s*(\d{1,4})?")
_CLC = re.compile(r"[A-Z][A-Z0-9.\-/]*")


# --- the tree -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A run of words, searched with every relevance signal; `field` None means all text fields."""
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Phrase:
    text: str
    field: str | None = None


@dataclass(frozen=True)
class Ident:
    """An exact identifier or class: isbn (13 digits), issn (NNNN-NNNN), doi (lower case), clc (prefix)."""
    kind: str
    value: str


@dataclass(frozen=True)
class YearRange:
    lo: int | None
    hi: int | None


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    child: "Node"


Node = Union[Text, Phrase, Ident, YearRange, And, Or, Not]


@dataclass
class Parsed:
    tree: Node | None  # None: no search terms at all
    warnings: list[str] = field(default_factory=list)

    def leaves(self) -> list[Node]:
        return list(walk(self.tree)) if self.tree is not None else []


def walk(node: Node):
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)
    else:
        yield node


# --- tokens ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tok:
    kind: str  # WORD QUOTED FIELD OP LPAREN RPAREN MINUS
    value: str = ""


def normalize(q: str) -> str:
    return unicodedata.normalize("NFKC", q.translate(_PUNCT))


def tokenize(q: str, warnings: list[str]) -> list[Tok]:
    s = normalize(q)
    out: list[Tok] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
        elif c == "(":
            out.append(Tok("LPAREN"))
            i += 1
        elif c == ")":
            out.append(Tok("RPAREN"))
            i += 1
        elif c == '"':
            end = s.find('"', i + 1)
            if end < 0:
                warnings.append("unbalanced quote: the phrase runs to the end of the query")
                end = n
            out.append(Tok("QUOTED", s[i + 1:end].strip()))
            i = end + 1
        elif c == "-" and i + 1 < n and not s[i + 1].isspace() and s[i + 1] != "-" and (not out or s[i - 1].isspace()
                                                                                     or s[i - 1] == "("):
            out.append(Tok("MINUS"))
            i += 1
        else:
            j = i
            while j < n and not s[j].isspace() and s[j] not in '()"':
                j += 1
            word = s[i:j]
            name, colon, rest = word.partition(":")
            canonical = FIELDS.get(name.lower()) if colon else None
            if canonical:
                out.append(Tok("FIELD", canonical))
                i = i + len(name) + 1  # the value (word, quote or group) is read as the next token
                continue
            if word in OPERATORS:
                out.append(Tok("OP", OPERATORS[word]))
            else:
                out.append(Tok("WORD", word))
            i = j
    return out


# --- grammar --------------------------------------------------------------------------------------------
class _Parser:
    """or := and (OR and)* ; and := unary (AND? unary)* ; unary := (NOT|-) unary | primary ;
    primary := ( or ) | FIELD value | QUOTED | WORD."""

    def __init__(self, toks: list[Tok], warnings: list[str]):
        self.toks = toks
        self.i = 0
        self.warnings = warnings
        self.leaves = 0

    def peek(self) -> Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node | None:
        node = self.or_expr(0, None)
        while self.peek() is not None:  # only a stray ")" stops or_expr at depth 0
            self.take()
            self.warnings.append("unmatched ')' ignored")
            more = self.or_expr(0, None)
            node = _join(And, [n for n in (node, more) if n is not None])
        return node

    def or_expr(self, depth: int, fld: str | None) -> Node | None:
        if depth > MAX_DEPTH:
            raise QueryError(f"query is nested too deeply (at most {MAX_DEPTH} levels of parentheses)")
        parts = [self.and_expr(depth, fld)]
        while (tok := self.peek()) is not None and tok.kind == "OP" and tok.value == "OR":
            self.take()
            parts.append(self.and_expr(depth, fld))
        present = [p for p in parts if p is not None]
        if len(parts) > 1 and len(present) < len(parts):
            self.warnings.append("OR without a term on both sides ignored")
        return _join(Or, present)

    def and_expr(self, depth: int, fld: str | None) -> Node | None:
        parts: list[Node] = []
        adjacent = False  # the previous part may absorb the next word into one text run
        while (tok := self.peek()) is not None and tok.kind != "RPAREN" and not (tok.kind == "OP" and tok.value == "OR"):
            if tok.kind == "OP" and tok.value == "AND":
                self.take()
                if not parts or self._ends_operand():
                    self.warnings.append("AND without a term on both sides ignored")
                adjacent = False
                continue
            node = self.unary(depth, fld)
            if node is None:
                continue
            if adjacent and isinstance(node, Text) and isinstance(parts[-1], Text) and parts[-1].field == node.field:
                parts[-1] = Text(f"{parts[-1].text} {node.text}", node.field)
            else:
                parts.append(node)
            adjacent = isinstance(node, Text)
        return _join(And, parts)

    def _ends_operand(self) -> bool:
        tok = self.peek()
        return tok is None or tok.kind == "RPAREN" or (tok.kind == "OP" and tok.value in ("AND", "OR"))

    def unary(self, depth: int, fld: str | None) -> Node | None:
        tok = self.peek()
        if tok.kind in ("MINUS",) or (tok.kind == "OP" and tok.value == "NOT"):
            self.take()
            if self._ends_operand():
                self.warnings.append("NOT without a term ignored")
                return None
            child = self.unary(depth, fld)
            return Not(child) if child is not None else None
        return self.primary(depth, fld)

    def primary(self, depth: int, fld: str | None) -> Node | None:
        tok = self.take()
        if tok.kind == "LPAREN":
            node = self.or_expr(depth + 1, fld)
            if self.peek() is not None and self.peek().kind == "RPAREN":
                self.take()
            else:
                self.warnings.append("missing ')' added at the end")
            return node
        if tok.kind == "FIELD":
            nxt = self.peek()
            if nxt is None or nxt.kind in ("RPAREN", "OP", "FIELD"):
                self.warnings.append(f"{tok.value}: without a value ignored")
                return None
            return self.primary(depth, tok.value)
        if tok.kind == "QUOTED":
            return self._leaf(tok.value, fld, phrase=True)
        if tok.kind == "OP":  # NOT/AND/OR reached as an operand: read as the word it is
            return self._leaf(tok.value, fld, phrase=False)
        return self._leaf(tok.value, fld, phrase=False)

    def _leaf(self, text: str, fld: str | None, *, phrase: bool) -> Node | None:
        text = text.strip()
        if not text:
            return None
        self.leaves += 1
        if self.leaves > MAX_CLAUSES:
            raise QueryError(f"query has too many terms (at most {MAX_CLAUSES})")
        if fld in ("isbn", "issn", "doi", "clc"):
            return Ident(fld, _identifier(fld, text))
        if fld == "year":
            return _year(text, self.warnings)
        if not _searchable(text):
            return None
        return Phrase(text, fld) if phrase else Text(text, fld)


def _join(kind, parts: list[Node]) -> Node | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else kind(tuple(parts))


def _searchable(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _identifier(kind: str, text: str) -> str:
    if kind == "isbn":
        value = identifiers.isbn13(text)
        if not value:
            raise QueryError(f"isbn:{text[:40]} is not a valid ISBN-10 or ISBN-13 (check the digits)")
        return value
    if kind == "issn":
        value = identifiers.issn(text)
        if not value:
            raise QueryError(f"issn:{text[:40]} is not a valid ISSN (NNNN-NNNC)")
        return value
    if kind == "doi":
        value = identifiers.doi(text)
        if not value:
            raise QueryError(f"doi:{text[:60]} is not a DOI (10.NNNN/...)")
        return value
    value = text.strip().upper()  # clc: class codes are upper-case (TP311, I247.5)
    if not _CLC.fullmatch(value):
        raise QueryError(f"clc:{text[:40]} is not a Chinese Library Classification code (e.g. TP311)")
    return value


def _year(text: str, warnings: list[str]) -> YearRange:
    m = _YEAR.fullmatch(text.strip())
    ranged = bool(m and m.group(2))
    if not m or not (m.group(1) or m.group(3)) or (m.group(3) and not ranged):
        raise QueryError(f"year:{text[:20]} - year expects YYYY or YYYY-YYYY (e.g. year:2001-2005)")
    lo = int(m.group(1)) if m.group(1) else None
    hi = int(m.group(3)) if m.group(3) else None
    if not ranged:
        hi = lo
    if lo is not None and hi is not None and lo > hi:
        warnings.append(f"year range {lo}-{hi} read as {hi}-{lo}")
        lo, hi = hi, lo
    return YearRange(lo, hi)


# --- identifiers anywhere ----------------------------------------------------------------------------
# ASCII look-arounds: an identifier may touch Chinese text (中国发展报告9787503726231)
_ISBN_RUN = re.compile(r"(?<![0-9A-Za-z-])(?:97[89]-?)?(?:\d-?){9}[\dxX](?![0-9A-Za-z-])")
_ISSN_RUN = re.compile(r"(?<![0-9A-Za-z-])\d{4}-?\d{3}[\dxX](?![0-9A-Za-z-])")
_DOI_RUN = re.compile(r"(?:(?:https?://(?:dx\.)?doi\.org/|doi:\s*|info:doi/)?)10\.\d{4,9}/\S+", re.IGNORECASE)


def find_identifiers(text: str) -> tuple[list[Ident], str]:
    """ISBNs, ISSNs and DOIs written anywhere in a text run: the identifiers found, and the text without them."""
    found: list[Ident] = []

    def take(kind: str, fn):
        def repl(m: re.Match) -> str:
            value = fn(m.group(0))
            if value:
                found.append(Ident(kind, value))
                return " "
            return m.group(0)
        return repl

    rest = _DOI_RUN.sub(take("doi", identifiers.doi), text)
    rest = _ISBN_RUN.sub(take("isbn", identifiers.isbn13), rest)
    rest = _ISSN_RUN.sub(take("issn", identifiers.issn), rest)
    return found, " ".join(rest.split())


def lift_identifiers(node: Node | None) -> Node | None:
    """Every unfielded text run that contains an identifier becomes `identifier OR rest-of-text`, so the
    exact match ranks first (see query.relevance) and the words still count."""
    if node is None:
        return None
    if isinstance(node, (And, Or)):
        return type(node)(tuple(lift_identifiers(c) for c in node.children))
    if isinstance(node, Not):
        return Not(lift_identifiers(node.child))
    if isinstance(node, Text) and node.field is None:
        found, rest = find_identifiers(node.text)
        if found:
            text = Text(rest if _searchable(rest) else node.text)
            return Or((*dict.fromkeys(found), text))
    return node


def parse(q: str) -> Parsed:
    warnings: list[str] = []
    toks = tokenize(q, warnings)
    tree = _Parser(toks, warnings).parse()
    return Parsed(tree, warnings)


def describe(node: Node | None) -> str:
    """A canonical, readable form of the tree (for `query_echo` and tests)."""
    if node is None:
        return ""
    if isinstance(node, Text):
        return f"{node.field}:({node.text})" if node.field else node.text
    if isinstance(node, Phrase):
        return f'{node.field + ":" if node.field else ""}"{node.text}"'
    if isinstance(node, Ident):
        return f"{node.kind}:{node.value}"
    if isinstance(node, YearRange):
        return f"year:{node.lo or ''}-{node.hi or ''}" if node.lo != node.hi else f"year:{node.lo}"
    if isinstance(node, Not):
        return f"NOT {describe(node.child)}"
    sep = " AND " if isinstance(node, And) else " OR "
    return "(" + sep.join(describe(c) for c in node.children) + ")"
