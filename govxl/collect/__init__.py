"""Collecting returns from an inbox: scan, read, match, decide, report."""

from govxl.collect.run import CollectReport, FileResult, UnitStatus, collect

__all__ = ["CollectReport", "FileResult", "UnitStatus", "collect"]
