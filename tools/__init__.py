"""Tools that read both twins: the concept map's side-by-side views (compare.py)."""
