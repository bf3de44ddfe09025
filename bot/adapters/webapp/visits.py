"""This week's visits as the page shows them: grouped by the rep's own days, each with the
place they checked in and a link that opens it in the phone's maps app.

A map drawn on the page would need tiles from a map service on the internet, which the
server cannot serve (and a rep's phone may not reach the same one as ours: Google in China,
AMap outside). A ``geo:`` URI (RFC 5870) instead hands the point to whatever maps app the
phone has, which draws it with its own tiles and can route there.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from bot.adapters.webapp.schemas import VisitDay, VisitOut
from bot.adapters.webapp.views import activity_out
from bot.context import Context
from store.models import Activity


def geo_uri(latitude: float | None, longitude: float | None, label: str | None) -> str | None:
    """``geo:31.230400,121.473700?q=31.230400,121.473700(People's Square)``: the point, and
    as ``q`` the same point with its name, which Android's maps apps show as the pin's label
    (RFC 5870 leaves ``q`` to them; others ignore it and still open the point)."""
    if latitude is None or longitude is None:
        return None
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        return None
    point = f"{latitude:.6f},{longitude:.6f}"
    name = f"({quote(label, safe='')})" if label else ""
    return f"geo:{point}?q={point}{name}"


def visit_out(ctx: Context, activity: Activity, company_name: str | None) -> VisitOut:
    base = activity_out(ctx, activity)
    return VisitOut(
        **base.model_dump(),
        company_name=company_name,
        place=activity.place,
        latitude=activity.latitude,
        longitude=activity.longitude,
        map_url=geo_uri(activity.latitude, activity.longitude, activity.place or company_name),
    )


def by_day(ctx: Context, visits: list[VisitOut]) -> list[VisitDay]:
    """Visits (in time order) under the day they happened on the user's clock."""
    days: dict[date, list[VisitOut]] = {}
    for visit in visits:
        days.setdefault(visit.occurred_at.astimezone(ctx.tz).date(), []).append(visit)
    return [VisitDay(day=day, visits=items) for day, items in days.items()]
