"""The API's request and response bodies as pydantic models: they validate what comes in
(a bad field is a 422 with the field named) and they are the OpenAPI document's schemas
(bot/adapters/webapp/openapi.py), so the document is generated from the code, never hand-written."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

MAX_ID = 2**31 - 1
"""Record ids are 32-bit integers in the database (PostgreSQL ``integer``): a larger one
can name no record, and sent to PostgreSQL it is an error rather than "not found"."""
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
"""An id a request names (a company to log against, to list the contacts of)."""

Kind = Literal["call", "visit", "meeting", "email", "wechat", "note"]
SnoozeChoice = Literal["1h", "tomorrow", "nextweek"]


class Strict(BaseModel):
    """Request bodies refuse unknown fields: a misspelt field is an error, not ignored."""

    model_config = ConfigDict(extra="forbid")


MASKED_NOTE = (
    "the fields masked for you: the workspace masks phones, e-mails or amounts for your role "
    "on records you don't own (the owner and admins always see them in full); a masked phone "
    "or e-mail is shortened (138****8000, z***@x.cn) and has no tel: link, a masked amount "
    "is null (its label says masked)"
)


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. not_found")
    message: str = Field(description="in the user's language")
    fields: list[str] = Field(
        default_factory=list, description="the fields at fault (422; 403: masked for you)"
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


class SessionRequest(Strict):
    """Exactly one of the two: Telegram's ``initData``, or a signed link's ``t``."""

    initData: str | None = Field(default=None, max_length=4096)  # noqa: N815 (Telegram's name)
    token: str | None = Field(default=None, max_length=512)


class Me(BaseModel):
    id: int
    name: str
    display_name: str
    role: str
    lang: str
    tz: str
    csrf: str | None = Field(default=None, description="send back as X-CSRF-Token (page only)")


class SearchHit(BaseModel):
    kind: Literal["company", "contact"]
    id: int
    name: str
    company_id: int | None
    company_name: str | None
    score: float


class SearchResult(BaseModel):
    query: str
    hits: list[SearchHit]


class CompanyOut(BaseModel):
    id: int
    name: str
    industry: str | None
    city: str | None
    phone: str | None = Field(description="may come masked (see masked)")
    website: str | None
    owner_id: int
    updated_at: datetime
    masked: list[str] = Field(
        default_factory=list,
        description=MASKED_NOTE,
    )


class CompanyIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    industry: str | None = Field(default=None, max_length=80)
    city: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=32)
    website: str | None = Field(default=None, max_length=200)


class CompanyPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    industry: str | None = Field(default=None, max_length=80)
    city: str | None = Field(default=None, max_length=80)
    phone: str | None = Field(default=None, max_length=32)
    website: str | None = Field(default=None, max_length=200)


class ContactOut(BaseModel):
    id: int
    company_id: int | None
    name: str
    title: str | None
    mobile: str | None = Field(description="may come masked (see masked)")
    phone: str | None = Field(description="may come masked (see masked)")
    email: str | None = Field(description="may come masked (see masked)")
    wechat: str | None = Field(description="may come masked (see masked)")
    tel: str | None = Field(
        description="a tel: URI for one-tap calling, when there is a number it may show"
    )
    owner_id: int
    masked: list[str] = Field(
        default_factory=list,
        description=MASKED_NOTE,
    )


class ContactIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    company_id: RecordId | None = None
    title: str | None = Field(default=None, max_length=120)
    mobile: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=200)
    wechat: str | None = Field(default=None, max_length=64)


class ContactPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    title: str | None = Field(default=None, max_length=120)
    mobile: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=200)
    wechat: str | None = Field(default=None, max_length=64)


class StageChangeOut(BaseModel):
    from_stage: str | None
    to_stage: str
    changed_at: datetime


class DealOut(BaseModel):
    id: int
    company_id: int
    title: str
    stage: str
    stage_label: str
    amount: str | None = Field(
        description="decimal string in the deal's currency; null when masked for you"
    )
    currency: str
    amount_label: str = Field(description="the amount for display; says masked when it is")
    expected_close: date | None
    probability: int
    owner_id: int
    masked: list[str] = Field(
        default_factory=list,
        description=MASKED_NOTE,
    )


class DealDetail(DealOut):
    history: list[StageChangeOut]


class DealIn(Strict):
    company_id: RecordId
    title: str = Field(min_length=1, max_length=200)
    amount: str = Field(default="0", pattern=r"^\d{1,13}(\.\d{1,2})?$")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    stage: str | None = None
    expected_close: date | None = None


class DealPatch(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    stage: str | None = None
    expected_close: date | None = None


class ActivityOut(BaseModel):
    id: int
    company_id: int | None
    contact_id: int | None
    deal_id: int | None
    kind: str
    kind_label: str
    summary: str = Field(description="phones and e-mails in it masked as the record's fields are")
    occurred_at: datetime
    owner_id: int


class ActivityPatch(Strict):
    summary: str | None = Field(default=None, min_length=1, max_length=2000)
    kind: Kind | None = None


class TaskOut(BaseModel):
    id: int
    company_id: int | None
    company_name: str | None
    title: str
    due_at: datetime | None
    overdue: bool
    done: bool


class CompanyCard(BaseModel):
    company: CompanyOut
    contacts: list[ContactOut]
    open_deals: list[DealOut]
    activities: list[ActivityOut]
    next_task: TaskOut | None


class VisitOut(ActivityOut):
    """A visit with where the rep checked in, if they shared a location from the chat."""

    company_name: str | None
    place: str | None = Field(description="the check-in's place name, as the chat app sent it")
    latitude: float | None
    longitude: float | None
    map_url: str | None = Field(
        description="a geo: URI (RFC 5870) that opens the check-in in the phone's maps app"
    )


class VisitDay(BaseModel):
    day: date = Field(description="the day, on the user's own clock")
    visits: list[VisitOut]


class MyDay(BaseModel):
    tasks: list[TaskOut] = Field(description="due today or overdue, soonest first")
    visits: list[VisitOut] = Field(description="this week's visits and meetings")
    days: list[VisitDay] = Field(description="the same visits grouped by day, earliest first")


class LogIn(Strict):
    """The quick log form: saved by the same code as a message logged in chat."""

    company_id: RecordId
    kind: Kind = "visit"
    note: str = Field(min_length=1, max_length=2000)
    follow_up: datetime | None = Field(
        default=None, description="with a time zone offset; a task and its reminder"
    )


class LogOut(BaseModel):
    activity: ActivityOut
    task: TaskOut | None
    message: str = Field(description="what the chat says for the same log")


class SnoozeIn(Strict):
    until: SnoozeChoice


class TaskAction(BaseModel):
    task: TaskOut
    message: str


T = TypeVar("T")


class Report(BaseModel):
    kind: Literal["pipeline", "funnel"]
    summary: str = Field(description="the chat's summary lines, in the user's language")
    png: str | None = Field(
        description="the chart as base64 PNG (the chat's image); null without the charts extra"
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page")
