"""Full-text search for Arabic text.

Data flows one way through the package:
``arabic`` (normalise, stem, analyze) → ``ingest`` (documents and paragraphs from files) →
``indexing`` (Whoosh index generations, swapped atomically) → ``search`` (queries, ranking,
snippets, duplicates) → ``api`` (Flask JSON API and pages), ``evaluation`` and ``evaluation_sets``,
``export``, ``benchmark`` → ``cli``.
"""

__version__ = "0.1.0"
