"""The page-cache topic of the exercise library (portal.pagecache): pages that show exercises depend on it, and
every save or delete of an exercise or one of its images bumps it (receivers connected in `programs.apps`)."""

LIBRARY = "exercises"
