"""Reading corpora into documents: file readers, metadata and boilerplate rules, near-duplicates."""
