"""What a reader asks for, validated once at the edge (CLI or API) into a `SearchRequest`."""
from __future__ import annotations

from dataclasses import dataclass, field

from query.errors import QueryError

SCOPE_LEVELS = ("library", "city", "province", "domain", "nation")
SORTS = ("relevance", "newest", "oldest", "title")
COLLECTIONS = ("catalog", "articles", "theses")
FACETS = ("type", "year", "language", "clc_top", "clc2", "subject", "holding_library", "province", "journal", "degree")
MAX_QUERY_LENGTH = 500
MAX_PAGE_SIZE = 100
MAX_DEPTH = 1000  # plain paging stops here; deeper goes through export (search_after)
MAX_FILTER_VALUES = 20  # selected values per facet
MAX_VALUE_LENGTH = 200


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    library: str | None = None  # the reader's library: decides scopes and holdings-aware ranking
    scope: str | None = None  # None: library when a library is known, else nation
    page: int = 1
    size: int = 10
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet -> selected values (OR)
    sort: str = "relevance"
    collections: tuple[str, ...] | None = None  # None: every collection that exists
    widen: bool = True  # an empty scope widens to the next level with hits

    def __post_init__(self) -> None:
        if len(self.q) > MAX_QUERY_LENGTH:
            raise QueryError(f"query is too long ({len(self.q)} characters; at most {MAX_QUERY_LENGTH})")
        if self.scope is not None and self.scope not in SCOPE_LEVELS:
            raise QueryError(f"unknown scope {self.scope!r}; use one of {', '.join(SCOPE_LEVELS)}")
        if self.scope not in (None, "nation") and not self.library:
            raise QueryError(f"scope {self.scope!r} needs a library (the reader's library code)")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise QueryError(f"page size must be between 1 and {MAX_PAGE_SIZE}")
        if self.page < 1 or self.page * self.size > MAX_DEPTH:
            raise QueryError(f"page must be at least 1 and page x size at most {MAX_DEPTH}; "
                             "use the export API for deeper result sets")
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}")
        if self.collections is not None:
            unknown = [c for c in self.collections if c not in COLLECTIONS]
            if unknown or not self.collections:
                raise QueryError(f"unknown collection {', '.join(unknown) or '(none)'}; use {', '.join(COLLECTIONS)}")
        for name, values in self.filters.items():
            if name not in FACETS:
                raise QueryError(f"unknown facet {name!r}; use one of {', '.join(FACETS)}")
            if len(values) > MAX_FILTER_VALUES:
                raise QueryError(f"at most {MAX_FILTER_VALUES} values of facet {name!r}")
            if any(not v or len(v) > MAX_VALUE_LENGTH for v in values):
                raise QueryError(f"facet {name!r} values must be 1 to {MAX_VALUE_LENGTH} characters")

    @property
    def effective_scope(self) -> str:
        return self.scope or ("library" if self.library else "nation")

    def with_scope(self, scope: str) -> "SearchRequest":
        from dataclasses import replace

        return replace(self, scope=scope, widen=False)
