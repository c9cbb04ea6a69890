"""The link resolver: the knowledge base of what every member library can reach (KBART packages,
subscriptions, print holdings) and the resolver that turns a citation into every way to its full
text for one reader's library. See resolver.py for the options, kb.py for the knowledge base.

Entry points for the rest of the service take a `yidu.services.Services`:

* `knowledge_base(services)` - the KnowledgeBase in settings.state_dir / "kb.sqlite" (one per Services);
* `resolver_for(services)` - a Resolver over it, the registry and the catalogue's record store;
* `scopes_provider(services)` - per library, the ISSN-Ls it reaches today (journal scopes).

They live in `linkresolver.wiring`; import them from there in code that runs under pytest.
"""
from __future__ import annotations

from linkresolver.wiring import knowledge_base, resolver_for, scopes_provider

__all__ = ["knowledge_base", "resolver_for", "scopes_provider"]
