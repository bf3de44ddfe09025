"""One page of a long list: which rows to show, the "1–10 of 23" line and the More button.

Every list a rep can ask for (tasks, companies, search results, reminders) shows its total
and pages on with a More / 更多 button rather than stopping at a limit, so nothing is out of
reach on a phone. The page's offset travels in the button's payload (each list has its own
typed action), so any worker can serve the next page and nothing is kept in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.context import Context
from bot.payloads import Action
from bot.replies import Button


@dataclass(frozen=True)
class Page:
    """Rows ``offset`` to ``offset + shown`` of ``total``."""

    offset: int
    shown: int
    total: int

    @property
    def end(self) -> int:
        return self.offset + self.shown

    @property
    def left(self) -> int:
        return max(self.total - self.end, 0)

    @property
    def partial(self) -> bool:
        """More rows than this page shows: say which ones these are."""
        return self.offset > 0 or self.left > 0


def page_offset(offset: int, total: int, size: int) -> int:
    """A pressed More whose rows have since gone (done, deleted) shows the last page."""
    if offset < total:
        return offset
    return max((total - 1) // size * size, 0) if total else 0


def range_text(ctx: Context, page: Page) -> str:
    """ "11–20 of 23", or nothing when every row is on this page."""
    if not page.partial:
        return ""
    return ctx.t("paging.range", start=page.offset + 1, end=page.end, total=page.total)


def with_range(ctx: Context, heading: str, page: Page) -> str:
    """The list's heading with the rows it shows appended when the list has more pages."""
    shown = range_text(ctx, page)
    return ctx.t("paging.heading", heading=heading, range=shown) if shown else heading


def more_button(ctx: Context, page: Page, action: Action) -> Button | None:
    """The More button for the next page, or None on the last page."""
    return Button(ctx.t("paging.more", left=page.left), action) if page.left else None


def offer_more(ctx: Context, page: Page, action: Action) -> None:
    """After a list sent as several messages: a last one with the More button."""
    button = more_button(ctx, page, action)
    if button is not None:
        ctx.ask(ctx.t("paging.left", left=page.left), [button])


__all__ = ["Page", "more_button", "offer_more", "page_offset", "range_text", "with_range"]
