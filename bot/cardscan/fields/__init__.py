"""From recognised lines to contact fields: name, title, company, phones, email, web, address.

Pure functions over :class:`~bot.cardscan.model.OcrLine` (text plus where and how big it
was printed), so the rules are tested on typed text without OCR. How it reads a card:

1. Each line is NFKC-normalised (full-width ``：（１`` from Chinese typesetting become
   ASCII) and cut at printed labels (``手机`` ``电话`` ``传真`` ``邮箱`` ``微信`` ``Tel``
   ``M:`` ``E:`` …). A labelled piece says what it holds; for phones the number itself
   has the last word (``Tel: 138…`` is a mobile) except that a fax label always wins.
2. Whatever carries its own shape is taken wherever it appears: emails, web addresses and
   phone numbers (``phonenumbers`` finds and validates them in the region given, which
   :mod:`bot.cardscan.reading` has read off the card, and gives E.164; a number printed the
   North American way stays +1 whatever the region, :mod:`bot.cardscan.region`).
3. The text left over is split by script and separators and classified by vocabulary
   (written in simplified characters; traditional text is matched through OpenCC's
   conversion, :mod:`bot.cardscan.script`, and kept as printed):
   company suffixes (有限公司, Co., Ltd.), job titles (总监, Manager), address words
   (路 号 楼, Street, Suite); a personal name is a short run that looks like one (a known
   surname and two to four characters, or two to four capitalised words), the one printed
   largest winning.
4. On bilingual cards the Chinese name, title, company and address are kept (the English
   ones are usually translations); an English-only card keeps the English.

Nothing here guesses beyond the card: a field it can't place is left empty for the rep to
fill in, rather than filled with the wrong line.

The package, one job a module: :mod:`.extract` (the entry point and the first pass),
:mod:`.text`, :mod:`.labels`, :mod:`.phones`, :mod:`.contacts` (e-mail, web, WeChat),
:mod:`.regulatory`; then :mod:`.classify` (the second pass) over :mod:`.runs` and
:mod:`.kinds`, with the vocabularies and choices of :mod:`.names` (and the letters after
a name, :mod:`.postnominals`), :mod:`.titles`, :mod:`.departments`, :mod:`.companies`,
:mod:`.brand` and :mod:`.addresses`.
"""

from __future__ import annotations

from bot.cardscan.fields.extract import extract_fields
from bot.cardscan.fields.phones import DEFAULT_REGION, parse_phone, phone_numbers
from bot.cardscan.fields.text import has_cjk, lines_from_text, normalise_text

__all__ = [
    "DEFAULT_REGION",
    "extract_fields",
    "has_cjk",
    "lines_from_text",
    "normalise_text",
    "parse_phone",
    "phone_numbers",
]
