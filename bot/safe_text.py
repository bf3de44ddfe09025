"""Text from a chat message carries no terminal control and no bidirectional override.

A message is stored and later printed by ``crmbot audit`` or ``crmbot chat`` in an admin's
terminal, where an escape sequence is a command: OSC 52 writes the clipboard, others retitle
the window, move the cursor over what was printed, or hide text. A bidirectional override
(U+202A–U+202E, U+2066–U+2069) makes text read differently from what it is ("Trojan
Source"). Neither has a place in a CRM note, so they are dropped where a message enters
(``bot.events``) and again where the command line prints (for what was stored before).
Newlines and tabs stay; a carriage return becomes a newline, so it cannot overwrite a line.
"""

from __future__ import annotations

import re

# Whole escape sequences first, so that no parameter text ("]52;c;aGVsbG8=") is left behind:
# OSC/DCS/SOS/PM/APC strings up to their terminator (BEL or ST, 7- or 8-bit; an unterminated
# one runs to the end), CSI sequences, then any other two-character ESC sequence.
_STRING_SEQUENCE = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)"
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
_OTHER_ESCAPE = r"\x1b[ -/]*[0-~]?"
ESCAPE_SEQUENCE = re.compile(f"{_STRING_SEQUENCE}|{_CSI}|{_OTHER_ESCAPE}")

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional embeddings,
# overrides and isolates.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``"a\\x1b]52;c;aGk=\\x07b"`` -> ``"ab"``; ``"\\u202eexe.pdf"`` -> ``"exe.pdf"``."""
    if text.isprintable():
        return text  # the common case, and cheap
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub("", ESCAPE_SEQUENCE.sub("", text))
