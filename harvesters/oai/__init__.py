"""OAI-PMH 2.0 harvesting: theses (and anything else) from repositories into the theses index.

  protocol.py   requests, response parsing, error codes, datestamps (pure functions, no I/O)
  client.py     the six verbs over an injectable `harvesters.http.HttpClient`
  records.py    metadata formats (oai_dc, etd_ms, marcxml) -> `Thesis` records, or a rejection reason
  pages.py      a page of records -> documents, deletions and every record's fate (thread or worker process)
  harvester.py  the run: pages -> documents -> bulk -> checkpoint, resumable at any page
  localrepo.py  generated and recorded repositories on a real local server (tests, benchmarks)
  lookups/      the data tables: thesis types, degree levels, languages
"""
