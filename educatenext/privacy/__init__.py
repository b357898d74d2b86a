"""A student's data: the subject-access export (and, with it, what erasure must reach)."""
