"""Hostile-input tests (issue 7): the corpus generator and the tests over it."""
