"""`python -m generator` runs the `portal` command."""

from generator.cli import main

main()
