"""``python -m search_service`` runs the command-line interface."""

from search_service.cli import main

if __name__ == "__main__":
    main()
