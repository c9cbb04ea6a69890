"""Writers of the indices: the record store and union grouping, the catalogue, articles and theses
pipelines, bulk writing, versioned indices behind aliases, dead letters."""
