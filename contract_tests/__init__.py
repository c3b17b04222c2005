"""The HTTP contract suite: one set of tests, run against both live twins."""
