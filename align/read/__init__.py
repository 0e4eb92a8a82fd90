"""Reading: bytes to text, protected syntax, the input tree of articles."""
