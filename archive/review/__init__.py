"""Review: comparisons of stored versions (diffs, claims, timelines, coverage), read from the store's
text and metadata only, never by extracting a capture again.
"""
