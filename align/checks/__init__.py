"""Checking and flagging: a pair's checks, numbers, consistency across a corpus."""
