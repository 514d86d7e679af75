"""Turning one raw date string into a datetime: ``parse_date``.

Regular expressions, compiled once, in C: ISO 8601 and its relatives, HTTP and
e-mail dates, numeric day-month-year (and month/day/year for US English),
written-out months in English, German, French, Spanish, Italian, Dutch,
Portuguese, Russian and Polish, month-year, a bare year, Unix timestamps, and a few relative
phrases ("3 days ago", "vor 2 Tagen", "gestern").  The first date in the string
wins, so a raw value may carry words around it ("Posted on 2 March 2019 by
Ann").  See ``benchmarks/dates_eval.py --parsers`` for why this module and not
python-dateutil or dateparser: it finds more of the dates that pages write, and
is 10-100 times faster.

Results are timezone-aware UTC; a date without a time is midnight UTC.  The
precision says what the raw value really knew: ``time``, ``day``, ``month``
or ``year``.  ``parse_date`` never raises and its cost is bounded by the
length cap on its input.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

UTC = timezone.utc
NO_ZONE = timezone(timedelta(0), "unzoned")   # a time written without a zone: read as UTC, shown as written
MAX_CHARS = 300   # only this much of a raw value is searched
PARSE_CACHE = 16_384   # distinct raw values (of at most MAX_CHARS) whose answers are kept (parse_date_relative)
_MAX_OFFSET = timedelta(hours=14)   # the furthest any time zone is from UTC (Kiribati)

MONTHS: dict[str, int] = {}
for _num, _names in enumerate((
    "january jan januar jänner jaenner janvier janv enero ene gennaio genn januari janeiro января январь янв stycznia styczeń",
    "february feb februar feber février fevrier févr fevr febrero febbraio februari fevereiro fev февраля февраль фев lutego luty",
    "march mar märz maerz mrz mars marzo maart março marco марта март мар marca marzec",
    "april apr avril avr abril aprile апреля апрель апр kwietnia kwiecień",
    "may mai mayo maggio mei maio мая май maja maj",
    "june jun juni juin junio giugno junho июня июнь июн czerwca czerwiec",
    "july jul juli juillet juil julio luglio julho июля июль июл lipca lipiec",
    "august aug août aout agosto augustus ago августа август авг sierpnia sierpień",
    "september sep sept septembre setiembre septiembre settembre setembro set сентября сентябрь сен сент września wrzesień",
    "october oct oktober okt octobre octubre ottobre outubro out октября октябрь окт października październik",
    "november nov novembre noviembre novembro ноября ноябрь ноя listopada listopad",
    "december dec dezember dez décembre decembre diciembre dicembre dezembro dic декабря декабрь дек grudnia grudzień",
), start=1):
    for _n in _names.split():
        MONTHS[_n] = _num
# Where a month name may stand, the patterns take any word (a run of letters: fast to match) and the
# word is then looked up in MONTHS; an alternation of 150 names would be tried at every position.
_WORD = r"[^\W\d_]{3,11}(?![^\W\d_])"

_TZ = r"(?P<tz>(?:GMT|UTC)?[+-]\d{2}:?\d{2}|(?:GMT|UTC)?[+-]\d{2}(?!\d)|Z|UTC|GMT|CES?T|MES?Z|[ECMP][SD]T|BST)"
_TZ_NAMES = {"Z": 0, "UTC": 0, "GMT": 0, "CET": 60, "CEST": 120, "MEZ": 60, "MESZ": 120, "BST": 60,
             "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420}
_TIME = (r"(?:(?:\s*,?\s*(?:T|um|at|à|a\s+las|alle|om|-|–|\|)?\s*)"
         r"(?P<H>[01]?\d|2[0-3])[:h.](?P<M>[0-5]\d)(?:[:.](?P<S>[0-5]\d)(?:[.,]\d{1,9})?)?(?![.:]?\d)"   # (not the next date)
         r"(?:\s*(?P<ampm>[ap]\.?m\.?)(?![a-z]))?(?:\s*(?:Uhr|h)(?![a-z]))?\s*" + _TZ + r"?)?")
# every pattern is anchored on a digit or a month name, and the alternatives are tried in this order at each
# position; (?<![\w.]) and (?![\w]) keep them off longer numbers (version numbers, phone numbers, ids)
# Dates that start with a digit (tried at digits only: fast) and dates that start with a month name;
# the first match in the string wins. (?<![\w.]) and (?!\w) keep them off longer numbers (version
# numbers, phone numbers, ids).
_DATE_DIGIT = re.compile(
    r"(?=\d)(?:"
    # 2019-10-16, 2019/10/16, 2019.10.16 (+ time); also 2019-10 alone
    r"(?<![\w.+/-])(?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?:(?P=isep)(?P<id>\d{1,2})(?![\d])" + _TIME.replace("?P<", "?P<i") + r"|(?![-/.]?\d))"
    # 20191016 or 20191016T101500Z
    r"|(?<![\w.+/-])(?P<cy>(?:19|20)\d{2})(?P<cm>0[1-9]|1[0-2])(?P<cd>0[1-9]|[12]\d|3[01])(?:T(?P<cH>\d{2})(?P<cM>\d{2})(?P<cS>\d{2})?Z?)?(?![\w.])"
    # 16.10.2019, 16/10/2019, 16-10-19 (+ time)
    r"|(?<![\w.+/-])(?P<na>\d{1,2})(?P<nsep>[./-])\s?(?P<nb>\d{1,2})(?P=nsep)\s?(?P<ny>\d{4}|\d{2})(?![\d]|\.\d)" + _TIME.replace("?P<", "?P<n")
    # 16. Oktober 2019, 16 October 2019, 16th of October, 2019, 16 de octubre de 2019, 16-Oct-2019 (+ time)
    + r"|(?<![\w.])(?P<td>\d{1,2})(?:st|nd|rd|th|er|e|º|\.)?(?:\s*(?:of|de|di)\s+|[\s-]*)(?P<tmon>" + _WORD
    + r")\.?(?:\s*,\s*|\s*-\s*|\s+(?:de\s+|del\s+)?)(?P<ty>\d{4}|'\d{2})(?!\d)" + _TIME.replace("?P<", "?P<t")
    # 10/2019, 10.2019
    + r"|(?<![\w.+/-])(?P<mm>0?[1-9]|1[0-2])[./](?P<mny>(?:19|20)\d{2})(?![\w.:/-]\d|\d))",
    re.I,
)
_DATE_WORD = re.compile(
    r"(?<![\w])(?=[^\W\d_]{3,11}\.?,?\s+\d)(?:"   # a word, then a number: tried at word starts only
    # October 16, 2019; Oct. 16th 2019; Sat Oct 19 2019 10:00:00 (+ time)
    r"(?P<umon>" + _WORD + r")\.?\s+(?P<ud>\d{1,2})(?:st|nd|rd|th)?(?!\d)(?:\s*,\s*|\s+)"
    + r"(?:(?P<uH0>[01]?\d|2[0-3]):(?P<uM0>[0-5]\d)(?::\d\d)?\s+)?(?P<uy>\d{4})(?!\d)" + _TIME.replace("?P<", "?P<u")
    # October 2019, Okt. 2019
    + r"|(?P<mmon>" + _WORD + r")\.?,?\s+(?P<my>\d{4})(?![\d.:/-]\d))",
    re.I,
)


def _matches(s: str):
    """Date-like matches of s, first to last (digit-first and month-first patterns interleaved)."""
    md = _DATE_DIGIT.search(s)
    pos = 0
    if md is not None and md.start() <= 2:   # a date at the very start: no month name comes before it
        yield md
        pos = md.end()
        md = _DATE_DIGIT.search(s, pos)
    mw = _DATE_WORD.search(s, pos)
    while md is not None or mw is not None:
        if mw is None or (md is not None and md.start() <= mw.start()):
            yield md
            md = _DATE_DIGIT.search(s, md.end())
        else:
            yield mw
            mw = _DATE_WORD.search(s, mw.end())


_YEAR_ONLY = re.compile(r"\s*(?P<y>\d{4})\s*")
_EPOCH = re.compile(r"\s*(?P<e>1\d{9}|1\d{12})\s*")
_RELATIVE = re.compile(
    r"(?<![\w])(?:(?P<n>\d{1,3}|an?|one|einem|einer|un|une)\s+(?P<u>minute|hour|day|week|month|year)s?\s+ago"
    r"|vor\s+(?P<n2>\d{1,3}|einem|einer)\s+(?P<u2>minute|stunde|tag|woche|monat|jahr)(?:e|en|n|s|es)?"
    r"|il\s+y\s+a\s+(?P<n3>\d{1,3}|un|une)\s+(?P<u3>minute|heure|jour|semaine|mois|an)s?"
    r"|hace\s+(?P<n4>\d{1,3}|un|una)\s+(?P<u4>minuto|hora|día|dia|semana|mes|año)(?:s|es)?"
    r"|(?P<word>today|yesterday|heute|gestern|aujourd'hui|hier|hoy|ayer|oggi|ieri))(?![\w])",
    re.I,
)
_UNITS = {"minute": ("time", timedelta(minutes=1)), "minuto": ("time", timedelta(minutes=1)),
          "hour": ("time", timedelta(hours=1)), "stunde": ("time", timedelta(hours=1)),
          "heure": ("time", timedelta(hours=1)), "hora": ("time", timedelta(hours=1)),
          "day": ("day", timedelta(days=1)), "tag": ("day", timedelta(days=1)), "jour": ("day", timedelta(days=1)),
          "día": ("day", timedelta(days=1)), "dia": ("day", timedelta(days=1)),
          "week": ("day", timedelta(weeks=1)), "woche": ("day", timedelta(weeks=1)),
          "semaine": ("day", timedelta(weeks=1)), "semana": ("day", timedelta(weeks=1)),
          "month": ("month", timedelta(days=30)), "monat": ("month", timedelta(days=30)),
          "mois": ("month", timedelta(days=30)), "mes": ("month", timedelta(days=30)),
          "year": ("year", timedelta(days=365)), "jahr": ("year", timedelta(days=365)),
          "an": ("year", timedelta(days=365)), "año": ("year", timedelta(days=365))}
_WORD_DAYS = {"today": 0, "heute": 0, "aujourd'hui": 0, "hoy": 0, "oggi": 0,
              "yesterday": 1, "gestern": 1, "hier": 1, "ayer": 1, "ieri": 1}
_MDY_LANGS = ("en-us", "en_us")


def _year(s: str, now: datetime) -> int:
    s = s.lstrip("'")
    y = int(s)
    if len(s) == 2:  # two-digit year: this century unless that would be more than a year ahead
        y += 2000 if y <= (now.year % 100) + 1 else 1900
    return y


def _tz(g, p: str) -> timezone | None:
    tz = g(p + "tz")
    if not tz:
        return None
    tz = tz.upper()
    if tz in _TZ_NAMES:
        return timezone(timedelta(minutes=_TZ_NAMES[tz]))
    tz = tz.removeprefix("GMT").removeprefix("UTC")
    if tz in _TZ_NAMES:
        return timezone(timedelta(minutes=_TZ_NAMES[tz]))
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) >= 4 else 0)
    if minutes > 14 * 60:
        return None
    return timezone(sign * timedelta(minutes=minutes))


def _build(y: int, m: int, d: int, g, p: str) -> tuple[datetime | None, str, str]:
    """A datetime from parts, with the time (and zone) of group prefix p when present."""
    if y == 0:
        return None, "", "year 0 does not exist"
    if not 1 <= m <= 12:
        return None, "", f"month {m} does not exist"
    hh = g(p + "H") if p is not None and d else None
    try:
        base = datetime(y, m, d or 1, tzinfo=UTC if hh is None else None)
    except ValueError:
        return None, "", f"day {d} does not exist in {y}-{m:02d}"
    if not d:
        return base, "month", ""
    if hh is None:
        return base, "day", ""
    h, mi, s = int(hh), int(g(p + "M")), int(g(p + "S") or 0)
    ampm = (g(p + "ampm") or "").replace(".", "").lower()
    if ampm == "pm" and h < 12:
        h += 12
    elif ampm == "am" and h == 12:
        h = 0
    dt = base.replace(hour=h, minute=mi, second=s)
    tz = _tz(g, p)
    if tz is None:  # no zone written: read it as UTC (a day-precise date stays on its day)
        return dt.replace(tzinfo=NO_ZONE), "time", ""
    return dt.replace(tzinfo=tz), "time", ""


_WEEKDAY_BEFORE = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s*\Z", re.I)
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _weekday(y: int, m: int, d: int) -> int | None:
    try:
        return datetime(y, m, d).weekday()
    except ValueError:
        return None


def _from_match(m: re.Match, now: datetime, lang: str | None) -> tuple[datetime | None, str, str]:
    g = m.group
    if m.re is _DATE_WORD:
        if g("umon"):
            month = MONTHS.get(g("umon").lower())
            if month is None:
                return None, "", ""
            r = _build(int(g("uy")), month, int(g("ud")), g, "u")
            if r[0] is not None and r[1] == "day" and g("uH0"):  # "Sat Oct 19 10:00:00 2019" (C asctime)
                r = (r[0].replace(hour=int(g("uH0")), minute=int(g("uM0"))), "time", "")
            return r
        if g("mmon"):
            month = MONTHS.get(g("mmon").lower())
            if month is None:
                return None, "", ""
            return _build(int(g("my")), month, 0, g, None)
        return None, "", "no date found"
    if g("iy"):
        y, mo = int(g("iy")), int(g("im"))
        d = g("id")
        if d is None:
            return _build(y, mo, 0, g, None)
        return _build(y, mo, int(d), g, "i")
    if g("cy"):
        y, mo, d = int(g("cy")), int(g("cm")), int(g("cd"))
        if g("cH"):
            try:
                dt = datetime(y, mo, d, int(g("cH")), int(g("cM")), int(g("cS") or 0), tzinfo=UTC)
            except ValueError:
                return None, "", "not a valid time"
            return dt, "time", ""
        return _build(y, mo, d, g, None)
    if g("na"):
        a, b, y = int(g("na")), int(g("nb")), _year(g("ny"), now)
        mdy = g("nsep") == "/" and ((lang or "").lower().replace("_", "-") in _MDY_LANGS or (b > 12 >= a))
        d, mo = (b, a) if mdy else (a, b)
        if mo > 12 and d <= 12:
            d, mo = mo, d  # 10/16/2019 written month first
        elif a <= 12 and b <= 12 and a != b:   # either order: the weekday written before it decides ("Wed, 12/10/2025")
            wd = _WEEKDAY_BEFORE.search(m.string, max(0, m.start() - 14), m.start())
            if wd and _weekday(y, mo, d) != _WEEKDAYS[wd.group(1).lower()[:3]] == _weekday(y, d, mo):
                d, mo = mo, d
        return _build(y, mo, d, g, "n")
    if g("tmon"):
        month = MONTHS.get(g("tmon").lower())
        if month is None:
            return None, "", ""
        return _build(_year(g("ty"), now), month, int(g("td")), g, "t")
    if g("mm"):
        return _build(int(g("mny")), int(g("mm")), 0, g, None)
    return None, "", "no date found"


def _relative(m: re.Match, now: datetime) -> tuple[datetime | None, str, str]:
    g = m.group
    word = g("word")
    if word:
        days = _WORD_DAYS[word.lower()]
        day = (now - timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
        return day, "day", ""
    for i in ("", "2", "3", "4"):
        n = g("n" + i)
        if n:
            unit = g("u" + i).lower()
            break
    else:
        return None, "", "no date found"
    count = int(n) if n.isdigit() else 1
    precision, step = _UNITS[unit]
    value = now - step * count
    if precision != "time":
        value = value.replace(hour=0, minute=0, second=0, microsecond=0)
    return value, precision, ""


def parse_date(raw: str, *, now: datetime, lang: str | None = None) -> tuple[datetime | None, str, str]:
    """(value, precision, reason_if_none). Never raises; bounded time whatever the input.

    The first date written in ``raw`` wins. ``now`` (aware) anchors two-digit years and relative
    phrases ("3 days ago"); ``lang`` ('en-US') decides whether 03/04/2019 is March or April.
    The value is in UTC; ``parse_date_local`` gives the same instant in the time zone the raw value
    was written in (the day a reader of the page sees).
    """
    value, precision, reason = parse_date_local(raw, now=now, lang=lang)
    if value is not None and value.tzinfo is not UTC:
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            return None, "", "out of range once converted to UTC"
    return value, precision, reason


def parse_date_local(raw: str, *, now: datetime, lang: str | None = None) -> tuple[datetime | None, str, str]:
    """Like ``parse_date``, but the value keeps the time zone it was written in (``NO_ZONE``, offset 0, when
    a time was written without one)."""
    value, precision, reason, _ = parse_date_relative(raw, now=now, lang=lang)
    return value, precision, reason


def parse_date_relative(raw: str, *, now: datetime, lang: str | None = None
                        ) -> tuple[datetime | None, str, str, bool]:
    """Like ``parse_date_local``, and whether the date was relative ("3 days ago": counted from ``now``).

    Memoised: a site repeats its raw dates (a copyright line, a template's dates, one Last-Modified on every
    page), and every answer but a relative date's depends on ``now`` only through its year (two-digit years)."""
    if not isinstance(raw, str):
        raw = str(raw)
    s = raw[:MAX_CHARS]
    try:
        year = now.year
    except AttributeError:   # (no usable now: not memoised)
        return _parse(s, now, lang)
    r = _fixed(s, lang, year)
    return r if r is not None else _parse(s, now, lang)


@lru_cache(maxsize=PARSE_CACHE)
def _fixed(s: str, lang: str | None, year: int) -> tuple[datetime | None, str, str, bool] | None:
    """The answer for s in any ``now`` of that year; None when it depends on more of ``now`` (a relative date)."""
    r = _parse(s, datetime(year, 7, 1, tzinfo=UTC), lang)
    return None if r[3] or r[2].startswith("unreadable") else r


def clear_parse_cache() -> None:
    """Forget the memoised answers (a benchmark's rounds each start cold)."""
    _fixed.cache_clear()


def _parse(s: str, now: datetime, lang: str | None) -> tuple[datetime | None, str, str, bool]:
    try:
        if not s.strip():
            return None, "", "empty", False
        if len(s) >= 10 and s[4:5] == "-" and s[:4].isdigit():  # ISO 8601, most structured data: in C
            try:
                v = datetime.fromisoformat(s.strip())
            except ValueError:
                pass
            else:
                if len(s.strip()) == 10:
                    return v.replace(tzinfo=UTC), "day", "", False
                if v.tzinfo is not None and abs(v.utcoffset()) > _MAX_OFFSET:   # no such zone: read as unzoned
                    v = v.replace(tzinfo=None)
                return (v.replace(tzinfo=NO_ZONE) if v.tzinfo is None else v), "time", "", False
        first_reason = ""
        for i, m in enumerate(_matches(s)):
            value, precision, reason = _from_match(m, now, lang)
            if value is not None:
                return value, precision, "", False
            first_reason = first_reason or reason   # ('' when a word before a number was not a month)
            if i >= 8:
                break
        if first_reason:
            return None, "", first_reason, False
        m = _YEAR_ONLY.fullmatch(s)
        if m is not None:
            y = int(m.group("y"))
            if y == 0:
                return None, "", "year 0 does not exist", False
            return datetime(y, 1, 1, tzinfo=UTC), "year", "", False
        m = _EPOCH.fullmatch(s)
        if m is not None:
            e = int(m.group("e"))
            return datetime.fromtimestamp(e / 1000 if e > 10**11 else e, UTC), "time", "", False
        m = _RELATIVE.search(s)
        if m is not None:
            return (*_relative(m, now), True)
        return None, "", "no date found", False
    except Exception as e:  # belt and braces: a parser must never take a page down
        return None, "", f"unreadable date ({type(e).__name__})", False
