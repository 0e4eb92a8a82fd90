"""Tools beside the pipeline: aligning existing translations, scoring, merging shards."""
