"""The query layer: what a reader types and chooses, as one Elasticsearch request (and back).

  request.py     SearchRequest: the validated question (query, library, scope, facets, sort, page)
  parse.py       our own query parser (words, "phrases", fields, AND/OR/NOT, Chinese punctuation) and its
                 degradation table; raw text never reaches query_string
  relevance.py   the parse tree as bool queries over the field families (_s words, _t characters and
                 phrases, _py pinyin, _pyi initials), identifiers as top-ranked exact clauses
  ranking.py     holdings-aware boost (library > city > province > domain) and a mild recency decay
  scopes.py      scope filters per collection (holding_libraries; articles via journal_scopes lookups)
  facets.py      facet selections (post_filter) and counts (each facet under the other facets' filters)
  steps.py       the ordered chain of named steps `(body, state) -> body` (builder.py runs it)
  collections.py which of catalogue / articles / theses exist now
  search.py      Searcher / AsyncSearcher: the round trips (widening, did-you-mean) and the response shape
  highlight.py   highlights on the display values in their original script
  suggest.py     did-you-mean and autocomplete
  export.py      deep export through point in time + search_after
  labels.py      names of facet values (types, languages, CLC classes, libraries, provinces)
"""
