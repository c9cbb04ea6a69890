"""Readers of the sources: MARC files (harvesters.marc), OAI-PMH repositories (harvesters.oai) and article
feeds (harvesters.feeds), with the shared HTTP client, checkpoints and source registry."""
