"""Summaries: adding up returns, traceably, and rolling summaries up a level."""

from govxl.merge.run import MergeError, MergeResult, merge
from govxl.merge.write import summary_bytes, write_summary

__all__ = ["MergeError", "MergeResult", "merge", "summary_bytes", "write_summary"]
