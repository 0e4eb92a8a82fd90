__version__ = "0.1.0"

# The version of what in align itself shapes a translation (segmentation, term
# placement policy). It is part of every translation memory key: bump it when a
# change to align would translate a sentence differently, so no stale sentence
# is served (`align tm stats` counts them, `align tm prune` removes them).
POLICY_VERSION = 5  # 2: the model's words decoded as SentencePiece decodes them (no glued words);
#                    3: protected syntax, bare domains and file names kept out of translation;
#                    4: code, URLs and protected syntax read in the sentence, kept verbatim;
#                    5: numbers the model wrote wrong or dropped repaired (--numbers repair)
