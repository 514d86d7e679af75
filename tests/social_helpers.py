"""Helpers for the social tests: the captured feeds, recorded platform answers, and expected dates computed
independently of content-decay's code (straight from the XML, with the standard library)."""
from __future__ import annotations

import email.utils
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

from crawler.social.base import Answer

FIXTURES = Path(__file__).parent / "fixtures" / "social"
ATOM = "{http://www.w3.org/2005/Atom}"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def newest_rss_date(path: Path) -> datetime:
    """The newest <pubDate> of an RSS 2.0 file."""
    root = ET.fromstring(path.read_bytes().lstrip())
    dates = [email.utils.parsedate_to_datetime(i.findtext("pubDate").strip()) for i in root.iter("item") if i.findtext("pubDate")]
    return max(d.astimezone(timezone.utc) for d in dates)


def newest_atom_date(path: Path) -> datetime:
    """The newest <entry><published> of an Atom file."""
    root = ET.fromstring(path.read_bytes().lstrip())
    dates = [datetime.fromisoformat(e.findtext(f"{ATOM}published").strip()) for e in root.iter(f"{ATOM}entry")]
    return max(d.astimezone(timezone.utc) for d in dates)


def iso(d: datetime) -> str:
    return d.astimezone(timezone.utc).isoformat(timespec="seconds")


def drive(gen, answers: dict[str, Answer | tuple]):
    """Run an adapter generator against canned answers (url -> Answer, or (status, body, headers))."""
    asked = []
    try:
        ask = next(gen)
        while True:
            asked.append(ask.url)
            a = answers.get(ask.url)
            if a is None:
                a = Answer(ask.url, ask.url, 404, {"content-type": "text/plain"}, b"not found")
            elif isinstance(a, tuple):
                status, body, headers = (a + ({},))[:3] if len(a) == 2 else a
                a = Answer(ask.url, ask.url, status, headers, body, final_url=ask.url)
            ask = gen.send(a)
    except StopIteration as stop:
        result = stop.value
    result.evidence.append({"asked": asked})
    return result
