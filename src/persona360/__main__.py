"""``python -m persona360`` runs the command line."""

from persona360.cli import main

# Guarded: worker processes started with "spawn" (the demo generator's) import the main
# module again, and must not run the command line a second time.
if __name__ == "__main__":
    main()
