"""What a reader asks for, validated once at the edge (CLI or API) into a `SearchRequest`."""
from __future__ import annotations

from dataclasses import dataclass, field

from query.errors import QueryError

SCOPE_LEVELS = ("library", "city", "province", "domain", "nation")
MAX_QUERY_LENGTH = 500
MAX_PAGE_SIZE = 100
MAX_DEPTH = 1000  # plain paging stops here; deeper goes through export (search_after)


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    library: str | None = None  # the reader's library: decides scopes and holdings-aware ranking
    scope: str | None = None  # None: library when a library is known, else nation
    page: int = 1
    size: int = 10
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)

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

    @property
    def effective_scope(self) -> str:
        return self.scope or ("library" if self.library else "nation")
