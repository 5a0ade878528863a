"""Moving in and out: imports from Disqus, WordPress, Isso and our own JSON, and the export.

Each source module turns its file into :class:`records.Source` (posts and
comments with their source ids, plus what it had to skip). :mod:`.load`
then writes a source in one transaction, so every importer shares the same
threading, status, sanitizing, idempotence and counter rules.
"""
