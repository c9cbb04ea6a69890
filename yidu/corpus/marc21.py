"""MARC 21 writer: one library's record of a Western edition, or of a Chinese edition in the romanised
North American style (245 in ALA-LC pinyin, the Chinese script in linked 880 fields).

Leader/09 = "a" (UTF-8). 008 carries date, place and language; 020 ISBN ($q qualifier under RDA, "(pbk.)"
after the number under AACR2); 040; 041 for translations; 084 $a CLC $2 clc; 100/110/700 names with $e
relator; 245/246/250; 264 (RDA) or 260 (AACR2); 300; 336-338 (RDA); 490; 504/505/520; 650; 852 holdings:
$a library $b location $h class $i item $p barcode $t copy; 866 for multi-volume sets.
"""
from __future__ import annotations

from functools import lru_cache

from yidu.corpus import vocab as V
from yidu.corpus.editions import Edition, Name
from yidu.corpus.hanzi import ala_lc, ala_lc_parts
from yidu.corpus.holdings import copysets, entered_date, isbn_forms, keep_other_title, trivial
from yidu.corpus.profiles import LibraryProfile
from yidu.corpus.rng import Rng


_NONFILING = {"The ": "4", "A ": "2", "An ": "3", "Die ": "4", "Der ": "4", "Das ": "4", "La ": "3", "Le ": "3",
              "Les ": "4", "L'": "2", "Un ": "3", "Une ": "4"}
_ORDINAL_WORDS = {"2nd": "Second", "3rd": "Third", "4th": "Fourth", "5th": "Fifth"}
_ROLE_EN = {"著": "author", "编著": "author", "主编": "editor", "编": "editor", "编辑": "editor", "译": "translator",
            "撰": "author", "注": "commentator", "点校": "editor", "校注": "editor", "整理": "editor", "注译": "translator",
            "校点": "editor", "选": "compiler", "疏": "commentator", "章句": "commentator", "集注": "commentator"}
_COMPOUND = ("司马", "司馬", "欧阳", "歐陽", "诸葛", "諸葛", "上官")


def _end(text: str) -> str:
    """ISBD: close a field with a full stop unless it already ends with punctuation."""
    return text if text[-1:] in ".?!-)]" else text + "."


def _nonfiling(title: str) -> str:
    for article, n in _NONFILING.items():
        if title.startswith(article):
            return n
    return "0"


def _field_008(ed: Edition, entered: str, lang: str, rda: bool) -> str:
    year = f"{ed.year:04d}" if ed.year else "uuuu"
    place = V.PLACE_CODES.get(ed.place, ("cc " if ed.script == "chinese" else "xx ", ""))[0]
    illus = "a   " if ed.illustrations else "    "
    contents = "b   " if ed.bibliography else "    "
    fiction = "1" if ed.form == "lit" else "0"
    source = "d" if rda else " "
    return f"{entered[2:]}{'s' if ed.year else 'n'}{year}    {place}{illus}  {contents} 00{int(ed.bibliography)} {fiction} {lang} {source}"


@lru_cache(maxsize=4096)
def _person_roman(name: str, pinyin: str | None) -> str:
    """ALA-LC heading of a Chinese person from CNMARC-style pinyin: "Si Ma Guang" -> "Sima, Guang"."""
    if not pinyin:
        return name
    syll = pinyin.split()
    n = 2 if name[:2] in _COMPOUND else 1
    given = "".join(syll[n:]).lower()
    return "".join(syll[:n]).capitalize() + (", " + given.capitalize() if given else "")


def _roman_heading(name: Name) -> str:
    if name.corporate:
        return ala_lc(name.name)
    if name.original:
        return name.original
    return name.romanized or _person_roman(name.name, name.pinyin)


def _direct(heading: str) -> str:
    if ", " in heading:
        surname, forename = heading.split(", ", 1)
        return f"{surname} {forename}"
    return heading


def _role_en(role: str) -> str:
    return _ROLE_EN.get(role, "author") if not role.isascii() else role


def record(ed: Edition, lib: LibraryProfile, rng: Rng, control: str,
           memo: dict | None = None) -> tuple[str, str, list[tuple[str, str | bytes]]]:
    """(leader/05-11 without status, leader/17-23, fields) of `lib`'s MARC 21 record of `ed`.

    `memo` (one dict per edition, shared by the records of its holders) caches library-independent field
    bodies of Western records, already UTF-8 encoded."""
    if memo is None:
        memo = {}
    u = rng.u
    chinese = ed.script == "chinese"
    entered, stamp = entered_date(ed, u)
    rda = lib.rda
    code = lib.code
    f: list[tuple[str, str | bytes]] = [("001", control), ("003", code), ("005", stamp),
                                        ("008", _field_008(ed, entered, ed.language, rda))]
    r = u()

    # 020 ISBN
    price = ed.price if (r & 0xFF) < lib.record_price * 256 else None
    if ed.isbn:
        for i, isbn in enumerate(isbn_forms(ed, lib, u())):
            body = f"  \x1fa{isbn}"
            if i == 0 and ed.binding:
                body += f"\x1fq{ed.binding.strip('.')}" if rda else f" ({ed.binding})"
            if i == 0 and price:
                body += f"\x1fc{price}"
            f.append(("020", body))
    if lib.system == "aleph":
        f.append(("035", f"  \x1fa(aleph){control[-9:]}{code}01"))
    f.append(("040", f"  \x1fa{code}\x1fb{lib.marc21_language}\x1ferda\x1fc{code}" if rda
              else f"  \x1fa{code}\x1fb{lib.marc21_language}\x1fc{code}"))
    if chinese:
        tail = _romanised(ed, lib, u, r, f)
    else:
        tail = _western(ed, lib, u, r, f, memo)

    # 852/866 holdings
    for location, barcodes, call_class, call_item, volumes in copysets(ed, lib, u, ed.number, memo):
        head = f"  \x1fa{code}\x1fb{location}\x1fh{call_class}\x1fi{call_item}\x1fp"
        for copy, barcode in enumerate(barcodes, 1):
            f.append(("852", f"{head}{barcode}\x1ft{copy}"))
        if volumes:
            f.append(("866", f" 0\x1f80\x1fav.{volumes}"))
    f.extend(tail)
    return "am a22", ("7" if (r >> 12) % 10 == 0 else " ") + ("i 4500" if rda else "a 4500"), f


def _western(ed: Edition, lib: LibraryProfile, u, r: int, f: list, memo: dict) -> list:
    rda = lib.rda
    fixed = memo.get("fixed")
    if fixed is None:
        fixed = memo["fixed"] = _western_fixed(ed)
    f.extend(fixed["head"])  # 041, 084, 100/110

    # 245 title statement
    keep_other = ed.other_title is not None and keep_other_title(ed, (r >> 16) & 0xFF)
    keep_statement = bool(ed.responsibility) and not (ed.isbn and (r >> 24) % 20 == 0)
    capitalised = bool(ed.isbn) and (r >> 24) % 25 == 1
    key = ("245", keep_other, keep_statement, capitalised)
    body = memo.get(key)
    if body is None:
        title = ed.title
        if capitalised:  # a library that capitalises every word
            title = " ".join([w[:1].upper() + w[1:] for w in title.split(" ")])
        statement = None
        if keep_statement:
            statement = (f"{ed.responsibility} ; {ed.secondary_responsibility}" if ed.secondary_responsibility
                         else ed.responsibility)
        body = memo[key] = (("1" if fixed["main"] else "0") + _nonfiling(title) + _title_subfields(
            title, ed.other_title if keep_other else None, ed.part_number, statement)).encode()
    f.append(("245", body))
    if "246" in fixed["notes"]:
        f.append(("246", fixed["notes"]["246"]))

    # 250 edition
    if ed.edition_statement:
        text = ed.edition_statement
        first_word = text.split(" ")[0]
        if rda and ed.isbn and first_word in _ORDINAL_WORDS:
            text = f"{_ORDINAL_WORDS[first_word]} edition"
        f.append(("250", f"  \x1fa{_end(text)}"))

    # 260/264 publication, 300, 336-338, 490
    r2 = u()
    key = ("26x", rda)
    body = memo.get(key)
    if body is None:
        date = ed.date if ed.year else "[n.d.]"
        body = memo[key] = f"{' 1' if rda else '  '}\x1fa{ed.place} :\x1fb{ed.publisher},\x1fc{date}.".encode()
        memo[("300", rda)] = _extent(ed, rda).encode()
    f.append(("264" if rda else "260", body))
    if rda and ed.year and r2 % 3 == 0:
        f.append(("264", f" 4\x1fc©{ed.year}"))
    f.append(("300", memo[("300", rda)]))
    if rda:
        f.extend(_RDA_33X)
    notes = fixed["notes"]
    if notes["490"]:
        f.append(("490", notes["490"]))

    # notes
    if ed.bibliography and (r2 >> 2) & 3:
        f.append(("504", _NOTE_504_INDEX if (r2 >> 4) & 1 else _NOTE_504))
    if notes["505"] and (r2 >> 5) % 3:
        f.append(("505", notes["505"]))
    if notes["520"] and (r2 >> 7) % 5:
        f.append(("520", notes["520"]))

    # 650 subjects
    key = ("650", len(ed.subjects_en) > 1 and (r2 >> 10) & 3 == 0)
    subjects = memo.get(key)
    if subjects is None:
        subjects = memo[key] = _subject_fields(ed, key[1])
    f.extend(subjects)
    f.extend(fixed["added"])  # 700/710
    return ()


_NOTE_504 = b"  \x1faIncludes bibliographical references."
_NOTE_504_INDEX = b"  \x1faIncludes bibliographical references and index."


def _main_entry(ed: Edition) -> Name | None:
    first = ed.names[0] if ed.names else None
    return first if first is not None and first.primary and _role_en(first.role) == "author" else None


def _western_fixed(ed: Edition) -> dict:
    head = []
    if ed.original_language and ed.original_language != ed.language:
        head.append(("041", f"1 \x1fa{ed.language}\x1fh{ed.original_language}".encode()))
    head.append(("084", f"  \x1fa{ed.clc}\x1f2clc".encode()))
    main = _main_entry(ed)
    if main is not None:
        tag, ind = ("110", "2 ") if main.corporate else ("100", "1 ")
        head.append((tag, f"{ind}\x1fa{main.name},\x1fe{_role_en(main.role)}.".encode()))
    added = []
    for name in ed.names:
        if name is main:
            continue
        tag, ind = ("710", "2 ") if name.corporate else ("700", "1 ")
        added.append((tag, f"{ind}\x1fa{name.name},\x1fe{_role_en(name.role)}.".encode()))
    series = None
    if ed.series:
        series = (f"0 \x1fa{ed.series} ;\x1fv{ed.series_number}" if ed.series_number
                  else f"0 \x1fa{ed.series}").encode()
    notes = {
        "490": series,
        "505": ("0 \x1fa" + " -- ".join(ed.contents) + ".").encode() if ed.contents else None,
        "520": f"  \x1fa{ed.summary}".encode() if ed.summary else None,
    }
    if ed.parallel_title:
        notes["246"] = f"31\x1fa{ed.parallel_title}".encode()
    return {"head": head, "main": main is not None, "added": added, "notes": notes}


def _subject_fields(ed: Edition, drop_second: bool) -> list[tuple[str, bytes]]:
    out = []
    for i, subject in enumerate(ed.subjects_en):
        if i and drop_second:
            continue
        out.append(("650", _end(f" 0\x1fa{subject.term}" + "".join(
            [f"\x1f{c}{v}" for c, v in subject.subdivisions])).encode()))
    return out


def _romanised(ed: Edition, lib: LibraryProfile, u, r: int, f: list) -> list:
    """The North American treatment of a Chinese book: romanised fields with linked 880 fields holding the
    Chinese script. Appends the descriptive fields to `f`; returns the 880 fields (they go last)."""
    alt: list[tuple[str, str]] = []
    rda = lib.rda
    linked = 0

    def link(tag: str, ind: str, original_body: str) -> str:
        nonlocal linked
        linked += 1
        number = _D2[linked]
        alt.append(("880", f"{ind}\x1f6{tag}-{number}/$1{original_body}"))
        return f"\x1f6880-{number}"

    if ed.original_language and ed.original_language != ed.language:
        f.append(("041", f"1 \x1fa{ed.language}\x1fh{ed.original_language}"))
    f.append(("084", f"  \x1fa{ed.clc}\x1f2clc"))
    names = ed.names
    main = _main_entry(ed)
    if main is not None:
        role = _role_en(main.role)
        tag, ind = ("110", "2 ") if main.corporate else ("100", "1 ")
        # the Chinese form goes to a linked 880 even for a foreign author (whose heading is the original name)
        body = ind + link(tag, ind, f"\x1fa{main.name},\x1fe{role}.")
        f.append((tag, body + f"\x1fa{_roman_heading(main)},\x1fe{role}."))

    # 245 title statement
    title = trivial(ed.title, (r >> 8) & 0xFF)
    other = ed.other_title if ed.other_title and keep_other_title(ed, (r >> 16) & 0xFF) else None
    statement = None
    if ed.responsibility and not (ed.isbn and (r >> 24) % 20 == 0):
        statement = (f"{ed.responsibility} ; {ed.secondary_responsibility}" if ed.secondary_responsibility
                     else ed.responsibility)
    ind = ("1" if main else "0") + "0"
    body = ind + link("245", ind, _title_subfields(title, other, ed.part_number, statement))
    roman_title = ala_lc_parts(ed.title_parts) if ed.title_parts else ala_lc(ed.title)
    f.append(("245", body + _title_subfields(roman_title, ala_lc(other) if other else None, ed.part_number,
                                             _roman_statement(ed) if statement else None)))
    if ed.parallel_title:
        f.append(("246", f"31\x1fa{ed.parallel_title}"))
    text = ed.ancient_edition or ed.edition_statement
    if text:
        f.append(("250", "  " + link("250", "  ", f"\x1fa{_end(text)}") + f"\x1fa{_end(ala_lc(text))}"))

    date = ed.date
    roman_date = date if date.isdigit() else ala_lc(date)
    tag, ind = ("264", " 1") if rda else ("260", "  ")
    place = V.PLACE_PINYIN.get(ed.place) or ala_lc(ed.place)
    f.append((tag, ind + link(tag, ind, f"\x1fa{ed.place} :\x1fb{ed.publisher},\x1fc{date}.")
              + f"\x1fa{place} :\x1fb{ala_lc(ed.publisher)},\x1fc{roman_date}."))
    f.append(("300", _extent(ed, rda)))
    if rda:
        f.extend(_RDA_33X)
    if ed.series:
        number = f" ;\x1fv{ed.series_number}" if ed.series_number else ""
        f.append(("490", "0 " + link("490", "0 ", f"\x1fa{ed.series}{number}") + f"\x1fa{ala_lc(ed.series)}{number}"))
    r2 = u()
    if ed.bibliography and (r2 >> 2) & 3:
        f.append(("504", _NOTE_504_INDEX if (r2 >> 4) & 1 else _NOTE_504))
    if ed.original_title:
        f.append(("500", f"  \x1faTranslation of: {ed.original_title}."))
    f.extend(_subject_fields(ed, len(ed.subjects_en) > 1 and (r2 >> 10) & 3 == 0))
    for name in names:
        if name is main:
            continue
        role = _role_en(name.role)
        tag, ind = ("710", "2 ") if name.corporate else ("700", "1 ")
        body = ind + link(tag, ind, f"\x1fa{name.name},\x1fe{role}.")
        f.append((tag, body + f"\x1fa{_roman_heading(name)},\x1fe{role}."))
    return alt


_D2 = tuple(f"{i:02d}" for i in range(100))
_RDA_33X = (("336", "  \x1fatext\x1fbtxt\x1f2rdacontent"), ("337", "  \x1faunmediated\x1fbn\x1f2rdamedia"),
            ("338", "  \x1favolume\x1fbnc\x1f2rdacarrier"))


def _title_subfields(title: str, other: str | None, part: str | None, statement: str | None) -> str:
    out = f"\x1fa{title}"
    if part:
        out += f".\x1fn{part}"
    if other:
        out += f" :\x1fb{other}"
    if statement:
        out += f" /\x1fc{statement}"
    return _end(out)


@lru_cache(maxsize=1 << 14)
def _roman_role(role: str) -> str:
    return ala_lc(role).lower()


def _roman_statement(ed: Edition) -> str:
    parts = []
    for primary in (True, False):
        group = [n for n in ed.names if n.primary == primary]
        if not group:
            continue
        names = []
        for n in group:
            prefix = f"({ala_lc(n.dynasty or n.nationality)}) " if (n.dynasty or n.nationality) else ""
            names.append(prefix + (ala_lc(n.name) if n.corporate or n.original else _direct(_roman_heading(n))))
        parts.append(", ".join(names) + " " + _roman_role(group[-1].role))
    return " ; ".join(parts)


def _extent(ed: Edition, rda: bool) -> str:
    if ed.volumes > 1:
        extent = f"{ed.volumes} volumes" if rda else f"{ed.volumes} v."
    else:
        pages = f"{ed.prelims}, {ed.pages}" if ed.prelims else str(ed.pages)
        extent = f"{pages} pages" if rda else f"{pages} p."
    body = f"  \x1fa{extent}"
    if ed.illustrations:
        body += f" :\x1fb{'illustrations' if rda else 'ill.'}"
    return body + f" ;\x1fc{ed.height_cm} cm"
