"""The content writer: the one place that edits the agency's content on a person's behalf.

The inbox (approvals, survey answers, question threads) and the bank import (payments) hand
it edits; it keeps the person's YAML theirs (ruamel.yaml round-trip: comments, key order,
quoting, flow style), runs `portal check` over the edited content before anything is
written, writes each file atomically, records each origin once (idempotent), and commits
with git when asked. The inbox and the bank import share this interface unchanged.
"""

from __future__ import annotations

from generator.writeback.apply import apply_edits
from generator.writeback.edits import AppendItem, CreateFile, Edit, Origin, Outcome, Scalar

__all__ = ["AppendItem", "CreateFile", "Edit", "Origin", "Outcome", "Scalar", "apply_edits"]
