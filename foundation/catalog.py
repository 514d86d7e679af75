"""The catalog of findings: the words every floor shares about a finding and a person's decision on it.

Severities (most to least urgent) and triage states are declared here once; the findings, the rule
engine, the cleanup list, the schema's checks and the triage pages read them from here.
"""
from __future__ import annotations

SEVERITIES = ("critical", "high", "medium", "low", "info")

# A person's decision on a cleanup item (table triage): what each state means is in the README.
TRIAGE_STATES = ("new", "accepted", "in progress", "done", "dismissed", "snoozed")
