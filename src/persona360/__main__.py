"""``python -m persona360`` runs the command line."""

from persona360.cli import main

main()
