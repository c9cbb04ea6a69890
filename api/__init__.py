"""The web application: the search API (/api/v1), the results site, the embeddable box, the link
resolver and knowledge-base routes, and the enrichment APIs for OPACs. Built by `api.app.create_app`."""
