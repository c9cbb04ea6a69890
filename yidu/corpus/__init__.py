"""Realistic union-catalogue corpora at any size: Chinese (CNMARC) and Western (MARC 21) book records with
per-library holdings, as ISO 2709, generated deterministically and in constant memory.

    from yidu.corpus import CorpusSpec, iter_records, write_corpus, Edition, edition
    spec = CorpusSpec(records=20000, libraries=("PKU", "THU"), seed=1)
    edition(spec.seed, 42)            # ground truth of edition 42
    for rec in iter_records(spec):    # GeneratedRecord(library, format, edition, control_number, data, broken, deleted)
        ...
    write_corpus(spec, "corpus/")     # corpus/PKU.cnmarc.mrc, corpus/PKU.marc21.mrc, ...
    holding_libraries(spec, 42)       # which libraries hold edition 42 (ground truth)
    build_record(spec, "PKU", 42)     # one library's record of one edition, as iter_records emits it

`records` counts source records (library x edition); editions ~ records / 2.75 with the 12 default
libraries (the mean holdings per edition is 2.75 whenever there are five libraries or more). Generation
visits each edition once and spools all but the first output file to a temporary directory (about one
corpus of disk at the peak); memory stays constant.

Modules: `vocab` (word lists, CLC table in data/clc.tsv), `identifiers` (ISBN/ISSN), `editions` (the
abstract edition), `profiles` (how each library catalogues), `holdings` (copies, call numbers, variants),
`cnmarc` / `marc21` (record writers), `iso2709` (encoder), `generate` (holdings plan and streaming driver).
The demo's other collections: `articles` (journals and their tables of contents, as TOC CSV and
Crossref JSON), `theses` (member universities' theses and a small OAI-PMH repository serving them),
`kb` (KBART packages, subscriptions and print holdings for the link resolver).
"""
from yidu.corpus.editions import Edition, Name, Subject, edition
from yidu.corpus.generate import (
    BROKEN_KINDS,
    DEFAULT_LIBRARIES,
    CorpusError,
    CorpusSpec,
    GeneratedRecord,
    build_record,
    holding_libraries,
    iter_records,
    plan,
    write_corpus,
)
from yidu.corpus.vocab import clc_name, clc_table

__all__ = [
    "BROKEN_KINDS", "DEFAULT_LIBRARIES", "CorpusError", "CorpusSpec", "Edition", "GeneratedRecord", "Name", "Subject",
    "build_record", "clc_name", "clc_table", "edition", "holding_libraries", "iter_records", "plan",
    "write_corpus",
]
