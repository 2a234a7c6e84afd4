"""The ``search-service`` command line: reindex, serve, search, evaluate, bench."""

import click

from search_service import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="search-service")
def main():
    """Full-text search for Arabic text."""
