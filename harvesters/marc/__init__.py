"""MARC 21 and CNMARC: the permissive reader (ISO 2709, MARCXML, ...), the declarative rule tables per
flavour, lookups as data files, and the holdings profiles of member libraries."""
