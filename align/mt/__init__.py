"""Machine translation: the translation stage, batches across articles, engines and runners."""
