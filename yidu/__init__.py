"""Shared home of configuration, the CLI, the embedded Elasticsearch node, the library registry
and Chinese text analysis: the pieces every other package uses."""
