"""A webhook body, read under the server's limits (:mod:`bot.bodies`), as HTTP answers:
503 when too many unverified bodies are being read, 408 when it does not arrive in time.
Either way the connection is closed, not kept reading the rest of a body nobody wants."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.bodies import BodyLimits, TooManyUnverified, TooSlow

log = logging.getLogger(__name__)


async def read_body(limits: BodyLimits, request: web.Request, *, verified: bool = False) -> bytes:
    """The whole body; raises ``HTTPServiceUnavailable`` (503), ``HTTPRequestTimeout`` (408)
    or aiohttp's own ``HTTPRequestEntityTooLarge`` (413, over ``client_max_size``).
    ``verified``: the request was authenticated by a header before its body was read."""
    try:
        return await limits.read(request.read, verified=verified, arrived=request.content.is_eof())
    except TooManyUnverified as exc:
        log.warning("%s: refused a request from %s (503): %s", request.path, request.remote, exc)
        busy = web.HTTPServiceUnavailable(text="busy", headers={"Retry-After": "1"})
        busy.force_close()
        raise busy from None
    except TooSlow as exc:
        log.warning("%s: body from %s %s (408)", request.path, request.remote, exc)
        late = web.HTTPRequestTimeout(text="request body too slow")
        late.force_close()
        raise late from None
