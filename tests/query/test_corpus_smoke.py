import pytest
pytestmark = pytest.mark.es
def test_loaded(corpus):
    assert corpus.union_records > 500
