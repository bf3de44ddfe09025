"""E-mail addresses, web addresses and WeChat ids: values with a shape of their own,
taken wherever they are printed, and the label letters OCR glues onto them taken off."""

from __future__ import annotations

import re

from bot.cardscan.domains import is_tld
from bot.cardscan.fields.pieces import _Found

_EMAIL_RE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]*\s?@\s?[A-Za-z0-9\-]+(?:\s?\.\s?[A-Za-z0-9\-]+)*\s?\.\s?[A-Za-z]{2,}"
)


#: Something shaped like a web address; its ending is checked against the real top-level
#: domains (:mod:`bot.cardscan.domains`) by :func:`_web_address`.
_URL_RE = re.compile(
    r"(?<![@A-Za-z0-9.\-])(?:https?\s?:\s?//\s?)?(?:www\s?\.\s?)?[A-Za-z0-9][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*"
    r"\.[A-Za-z]{2,24}\b(?![.@-][A-Za-z0-9])(?:/[^\s]*)?",
    re.IGNORECASE,
)


#: Legal forms that are also top-level domains (.ltd, .inc, .llc, .limited, .group):
#: "Pte.Ltd" or "Co.Limited" with the space lost is a company, not a web address.
_LEGAL_WORDS = frozenset(
    {"co", "pte", "pty", "sdn", "bhd", "inc", "ltd", "llc", "llp", "plc", "corp", "limited"}
    | {"company", "group", "gmbh", "ag", "sa", "bv", "nv", "kk"}
)


def _web_address(value: str) -> bool:
    """Is this match a web address? Its last label must be a real top-level domain and,
    without ``www`` or a scheme, printed the way domains are (a lowercase ending, or all in
    capitals) and not two legal-form words ("Pte.Ltd")."""
    compact = re.sub(r"\s+", "", value)
    host = re.sub(r"^https?://", "", compact, flags=re.IGNORECASE).split("/", 1)[0]
    labels = host.split(".")
    if len(labels) < 2 or not is_tld(labels[-1]):
        return False
    if compact.lower().startswith(("www.", "http")):
        return True
    tld = labels[-1]
    if not (tld.islower() or host.isupper()):
        return False
    return not (labels[-2].casefold() in _LEGAL_WORDS and tld.casefold() in _LEGAL_WORDS)


#: An email whose spaces OCR scattered (``zhang @ x.com``), once they are removed.
_LOOSE_EMAIL_RE = re.compile(
    r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)


_WECHAT_ID_RE = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{3,31}|\+?\d[\d \-]{4,18}\d")


#: A line that starts with "e." glued to an e-mail address.
_DOTTED_E_RE = re.compile(r"^[Ee]\.[a-z0-9][^\s@]*@")


def _undot(email: str, dotted: list[str], name: str | None) -> str:
    """Put back an "e." read as a label when it is the person's initial: "e.brookesmith@…"
    on Eleanor Brooke-Smith's card is her address (initial, dot, surname), while
    "e.anna@…" on Anna Wright's is the label "e." and anna@…."""
    whole = "e." + email
    if whole not in dotted or not name or name[:1].lower() != "e":
        return email
    surname = re.sub(r"[^a-z]", "", name.split()[-1].lower())
    local = re.sub(r"[^a-z]", "", email.split("@", 1)[0])
    return whole if surname and (surname in local or local in surname) else email


#: A label OCR glued onto an address, its colon misread ("E-mailojh.wu@…", "Email:anna@…").
_GLUED_EMAIL_LABEL_RE = re.compile(r"^(?:e-mail|email)[:：;.o0]?(?=[a-z0-9])", re.IGNORECASE)


def _take_emails(found: _Found, text: str) -> str:
    matches = list(_EMAIL_RE.finditer(text))
    found.email.extend(
        _GLUED_EMAIL_LABEL_RE.sub("", re.sub(r"\s+", "", m.group(0))).lower() for m in matches
    )
    for match in reversed(matches):
        text = text[: match.start()] + " " + text[match.end() :]
    return text


def _take_urls(found: _Found, text: str, *, labelled: bool = False) -> str:
    """Take the web addresses out of ``text``. One printed as a piece of its own, between
    separators ("ana@acme.io | acme.io"), counts as labelled, like a line of its own."""
    for match in list(_URL_RE.finditer(text)):
        value = match.group(0)
        # A company name such as "Acme Co." is not a web address: want www, a scheme,
        # or a domain without spaces around its dots.
        compact = re.sub(r"\s+", "", value)
        if " " in value and not compact.lower().startswith(("www.", "http")):
            continue
        if not _web_address(value):
            continue
        found.websites.append(_clean_url(compact))
        if labelled or _standalone(text, match.start(), match.end()):
            found.web_labelled.add(_clean_url(compact))
        text = text.replace(value, " ", 1)
    return text


#: What stands between two pieces of one printed line.
_PIECE_BREAKS = "|｜·•"


def _standalone(text: str, start: int, end: int) -> bool:
    """Printed between separators, at least one of them there ("… | acme.io"), not inside
    running text (an e-mail taken out before it leaves only spaces)."""
    before, after = text[:start].rstrip(), text[end:].lstrip()
    left = not before or before[-1] in _PIECE_BREAKS
    right = not after or after[0] in _PIECE_BREAKS
    broken = before[-1:] in set(_PIECE_BREAKS) or after[:1] in set(_PIECE_BREAKS)
    return left and right and broken


def _clean_url(value: str) -> str:
    value = value.strip().rstrip("/.,;").lower()
    value = re.sub(r"^https?://", "", value)
    # An icon or a label letter OCR glued before "www." ("owww.…", "@www.…" is no URL):
    # "wwww." is the label W, taken before this; any other letter is as stray.
    return _STRAY_BEFORE_WWW_RE.sub("", value)


_STRAY_BEFORE_WWW_RE = re.compile(r"^[a-z0-9]\.?(?=www\.[a-z0-9-]+\.)")


def _pick_website(sites: list[str], emails: list[str], web_labelled: set[str]) -> str | None:
    """The card's web address. An email's domain picked up inside other text is not one
    (OCR may have cut a long address in two), but a label ("W: acme.io") or a line of its
    own makes it one: on real cards the web line is usually the e-mail's domain."""
    domains = {email.rsplit("@", 1)[-1] for email in emails}
    for site in sites:
        for domain in domains:
            # "webacme.io" / "wacme.io": a web label OCR glued onto the e-mail's domain,
            # or any stray letter (an icon read as "e", "o"…) glued so.
            glued = site[: -len(domain)] if site.endswith(domain) else None
            # ("m.acme.io" with its dot is a subdomain, unless it is the label "w.")
            if glued in {"w.", "web", "web."} or (glued and re.fullmatch(r"[a-z]", glued)):
                return domain
        if site not in domains or site in web_labelled:
            return site
    return None


def agreeing_wechat(wechat: str, emails: list[str]) -> str:
    """The WeChat id, with the underscores OCR read as hyphens put back where an e-mail's
    local part on the card agrees ("zhao-lx" beside zhao_lx@…: zhao_lx). Nothing else
    agreeing, the id stays as read: an underscore is never guessed."""
    if "-" not in wechat:
        return wechat
    for email in emails:
        local = email.split("@", 1)[0]
        if "_" in local and len(local) == len(wechat):
            pairs = list(zip(wechat, local, strict=True))
            if all(a.casefold() == b.casefold() or (a, b) == ("-", "_") for a, b in pairs):
                return "".join("_" if b == "_" else a for a, b in pairs)
    return wechat
