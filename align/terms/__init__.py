"""Everything about glossary terms: the glossary and its file formats, matching
terms in French, whether a target is present in English, where a missing target
goes, and how each term was satisfied."""
