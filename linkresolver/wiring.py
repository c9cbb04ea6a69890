"""How the link resolver is wired to `yidu.services.Services` (re-exported by the package).

Import from here (`from linkresolver.wiring import scopes_provider`) in code that may run under
pytest: the test folder tests/linkresolver/ has no __init__.py and, when the project root is not on
sys.path, shadows the package's __init__ as a namespace package; submodules still import normally.
"""
from __future__ import annotations

import weakref
from datetime import date
from typing import Callable

_kbs: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_resolvers: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def knowledge_base(services):
    """The knowledge base of `services` (built once per Services object)."""
    from linkresolver.kb import KnowledgeBase

    kb = _kbs.get(services)
    if kb is None:
        kb = _kbs[services] = KnowledgeBase.for_settings(services.settings, is_member=services.registry.__contains__)
    return kb


def resolver_for(services, *, config=None, clock: Callable[[], date] | None = None):
    """A Resolver for `services` (cached per Services unless a config or clock is given)."""
    from linkresolver.catalog import CatalogCopies
    from linkresolver.config import ResolverConfig
    from linkresolver.resolver import Resolver

    if config is None and clock is None and services in _resolvers:
        return _resolvers[services]
    catalog = CatalogCopies.open(services.settings.record_store, services.registry.__contains__)
    built = Resolver(knowledge_base(services), services.registry,
                     config=config or ResolverConfig.from_settings(services.settings), catalog=catalog,
                     clock=clock or date.today)
    if config is None and clock is None:
        _resolvers[services] = built
    return built


def scopes_provider(services, *, today: date | None = None) -> dict[str, set[str]]:
    """Per library code, the ISSN-Ls it can reach on `today` (default: the real today) through its
    subscriptions in force (any full-text coverage) and its print holdings."""
    index = knowledge_base(services).index
    day = today or date.today()
    libraries = set(index.subs) | set(index.libraries)
    out: dict[str, set[str]] = {}
    for code in sorted(libraries):
        issnls = {index.g_issnl[g] for g in index.groups_of_library(code, day)}
        issnls.discard("")
        if issnls:
            out[code] = issnls
    return out
