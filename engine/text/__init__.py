"""Text for people: what they read and type, in their language.

``catalogue`` holds every message (gettext, French and English);
``formats`` shows numbers, money, percentages, dates and times the way the
reader's locale writes them (Babel's CLDR data); ``typed`` reads amounts and
moments as people type them. These two import Babel lazily, so a command that shows
nothing pays nothing for it.
"""
