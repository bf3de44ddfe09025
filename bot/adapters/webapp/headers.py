"""The headers a security scanner expects on every page and API answer, and gzip.

The Content-Security-Policy allows only our own scripts and styles (no inline script or
style, no ``eval``), no plugins, no ``<base>`` tricks, and framing only by Telegram's web
client (a Mini App runs in its iframe there). ``Referrer-Policy: no-referrer`` keeps a
sign-in link's token out of any Referer header."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self' https://web.telegram.org; object-src 'none'"
)
COMMON = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
COMPRESS_FROM = 512
"""Bodies shorter than this are sent as they are (gzip would not pay for its header)."""


def is_https(request: web.Request, public_url: str | None) -> bool:
    """Served over https: directly, or behind a proxy at an https public URL."""
    return request.secure or bool(public_url and public_url.startswith("https://"))


def secured(public_url: str | None) -> Middleware:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        response.headers.update(COMMON)
        response.headers.setdefault("Cache-Control", "no-store")
        if is_https(request, public_url):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if (
            isinstance(response, web.Response)
            and not isinstance(response, web.HTTPException)
            and response.body is not None
            and len(response.body) >= COMPRESS_FROM  # type: ignore[arg-type]
        ):
            response.enable_compression()
        if isinstance(response, web.HTTPException):
            raise response
        return response

    return middleware
