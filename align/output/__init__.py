"""The output folder: its paths, its lock, the translation memory and the writers."""
