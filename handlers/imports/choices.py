"""What ``crmbot import`` and ``crmbot export`` let you choose: the kinds of record, the file
formats, what a duplicate row does. Names only, apart from the planner and the exporter, so
that the command line can offer them (and ``crmbot --help`` start) without loading the
database layer."""

from __future__ import annotations

from enum import StrEnum

KINDS = ("companies", "contacts", "deals", "activities")
FORMATS = ("csv", "xlsx")


class Policy(StrEnum):
    """What a row matching an existing record does to it."""

    SKIP = "skip"  # leave the existing record alone
    FILL = "fill"  # fill its empty fields only
    OVERWRITE = "overwrite"  # the file's non-empty values win
