"""Fixtures of the query tests: the session's search corpus (tests/query/searchcorpus.py)."""
from searchcorpus import corpus, registry  # noqa: F401 - fixtures
