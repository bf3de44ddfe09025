"""API errors: JSON ``{"error": {"code", "message", "fields"}}`` with the message in the
user's language, and the status a client can act on (401 signed out, 403 not allowed,
404 no such record *or not yours* — never 403 for someone else's record, so ids do not
leak — 409 conflicts, 422 bad input, 429 too many requests)."""

from __future__ import annotations

from aiohttp import web

from bot.adapters.webapp.schemas import ErrorBody, ErrorDetail

STATUS_CODES = {
    400: "bad_request",
    401: "signed_out",
    403: "not_allowed",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
}


class ApiError(Exception):
    """Raised anywhere under a request; the error middleware answers it."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        *,
        message_key: str | None = None,
        fields: tuple[str, ...] = (),
        headers: dict[str, str] | None = None,
        **values: object,
    ) -> None:
        self.status = status
        self.code = code or STATUS_CODES.get(status, "error")
        super().__init__(self.code)
        self.message_key = message_key or f"webapp.errors.{self.code}"
        self.values = values
        self.fields = fields
        self.headers = headers or {}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    fields: tuple[str, ...] = (),
    headers: dict[str, str] | None = None,
) -> web.Response:
    body = ErrorBody(error=ErrorDetail(code=code, message=message, fields=list(fields)))
    return web.json_response(body.model_dump(mode="json"), status=status, headers=headers)
