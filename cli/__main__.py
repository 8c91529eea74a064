"""`python -m cli …`: the `c3` command without its installed script."""

from cli import main

main()
