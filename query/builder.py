"""The search builder: an ordered chain of small named steps, each `(body, state) -> body`.

As in Blacklight's search builder, a concern (identifiers, scopes, facets, ranking...) is one step;
adding a concern is appending a step, and each step is tested through the request body it produces.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from query.collections import Target
from query.request import SearchRequest
from yidu.libraries import Registry

Body = dict[str, Any]
Step = Callable[[Body, "State"], Body]


@dataclass
class State:
    """What steps know besides the body: the request, the registry, the collections searched, and notes
    (the parse tree, identifiers found...) that later steps and the response shaping read."""

    request: SearchRequest
    registry: Registry
    notes: dict[str, Any] = field(default_factory=dict)
    target: Target = field(default_factory=lambda: Target("yidu"))

    def __post_init__(self) -> None:
        self.target = self.target.narrowed(self.request.collections)  # the collections this search spans

    @property
    def library(self) -> str | None:
        return self.request.library


class SearchBuilder:
    def __init__(self, steps: list[tuple[str, Step]]):
        self.steps = list(steps)

    def names(self) -> list[str]:
        return [name for name, _ in self.steps]

    def append(self, name: str, step: Step) -> "SearchBuilder":
        return SearchBuilder([*self.steps, (name, step)])

    def insert_after(self, after: str, name: str, step: Step) -> "SearchBuilder":
        at = self.names().index(after) + 1
        return SearchBuilder([*self.steps[:at], (name, step), *self.steps[at:]])

    def without(self, name: str) -> "SearchBuilder":
        return SearchBuilder([(n, s) for n, s in self.steps if n != name])

    def build(self, state: State) -> Body:
        body: Body = {}
        for _, step in self.steps:
            body = step(body, state)
        return body
