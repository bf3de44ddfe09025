"""Import customers from a spreadsheet (``crmbot import FILE``, a file sent in chat), export
them back, and the privacy requests about one person."""
