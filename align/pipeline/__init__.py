"""The pipeline: a run's stages over a corpus, its report and its end."""
