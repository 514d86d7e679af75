"""The prefilter before a regular expression (analysis/prefilter.py) is exact: it says "cannot match" only
when the pattern finds nothing, whatever the case of the text (re.I and regex's IGNORECASE match "ı" with
"i", "ſ" with "s", the Kelvin sign with "k").  Checked on every code point, on the real sentences of the
shared test sites (skipped without them), and on random patterns with texts built to match them."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import regex

from analysis import outdated_claims, outdated_expired
from analysis.outdated_claims import CLAIMS, find_claims
from analysis.prefilter import fold, prefilter, requirement
from analysis.rules import engine as E
from analysis.rules.engine import Engine
from analysis.rules.page import PageData
from foundation.settings import Checks, Rule
from foundation.team_rules import RuleSet, compile_one

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ALL = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
PATTERNS = [p for _, p in CLAIMS] + [outdated_expired.EVENT_PHRASE, outdated_expired.OFFER_PHRASE,
                                     outdated_expired.EVENT_OVER, outdated_expired.OFFER_OVER,
                                     outdated_expired.PAST_TENSE, outdated_claims.GENERIC, outdated_claims.POINTER]


@pytest.mark.parametrize("engine", ["re", "regex"])
def test_fold_gives_every_case_insensitive_match_of_an_ascii_character_that_character(engine):
    for c in range(32, 127):
        ch = chr(c)
        rx = re.compile(re.escape(ch), re.I) if engine == "re" else regex.compile(regex.escape(ch), regex.I | regex.V0)
        for m in rx.finditer(ALL):
            assert fold(m.group(0)) == ch.lower(), (ch, hex(ord(m.group(0))))


def test_a_match_through_case_folding_is_found():
    assert [n for n, _ in find_claims("Our NEW Campus opens.")] == ["our new"]
    assert [n for n, _ in find_claims("Thıs year we open a campus.")] == ["this year"]     # dotless i
    assert [n for n, _ in find_claims("THİS YEAR WE OPEN")] == ["this year"]              # dotted capital I
    assert [n for n, _ in find_claims("Coming ſoon: a campus.")] == ["coming soon"]        # long s
    assert prefilter(CLAIMS[9][1])("Just a campus; we launched it.")                     # the words, no match
    assert [n for n, _ in find_claims("Just a campus; we launched it.")] == []
    assert find_claims("New users should read the guide; new lines are kept.") == []       # "new", no claim
    assert prefilter(CLAIMS[0][1])("no claim in this text") is False
    assert prefilter(CLAIMS[0][1])("OUR NEW campus") is True


def test_what_the_claims_need():
    need = dict((n, requirement(p)) for n, p in CLAIMS)
    assert need["coming soon"] == ("lit", "coming soon", True)
    assert need["our new"] == ("and", (("lit", "our ", True), ("lit", "new", True)))


@pytest.mark.parametrize("source", [
    r"(?:cat){e<=1}", r"[[:alpha:]]x", r"(?V1)abc", r"(?f)strasse", r"(a)b\1", r"\p{Lu}oo", r"(?r)abc",
    r"(?|(a)|(b))c", r"foo(*SKIP)bar", r"\mword",
])
def test_regex_syntax_python_reads_otherwise_gives_no_prefilter(source):
    try:
        rx = regex.compile(source, regex.V0)
    except (regex.error, ValueError):
        return
    assert requirement(rx) is None
    assert prefilter(rx)("anything") is True


def test_team_patterns_need_their_literals():
    assert requirement(regex.compile(r"0800 ?123 ?4\d\d", regex.V0)) == (
        "and", (("lit", "0800", False), ("lit", "123", False), ("lit", "4", False)))
    offer = prefilter(regex.compile(r"(?i)offer ends \d{1,2} \w+ 20[01]\d", regex.V0))
    assert offer("OFFER ENDS 3 June 2019") and offer("ofFer enDs 3 June 2019")
    assert not offer("the offer is over")


def _sentences() -> list[str]:
    out = []
    for folder, n in ((DATA / "sites" / "flink", 80), (DATA / "dates-dev" / "html", 40)):
        for path in sorted(folder.rglob("*.htm*"))[:n]:
            html = path.read_text("utf-8", errors="replace")
            text = " ".join(re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", html, flags=re.S).split())
            out += re.split(r"(?<=[.!?])\s+", text)
    return [s for s in dict.fromkeys(out) if s]


def _variants(s: str) -> list[str]:
    return [s, s.upper(), s.swapcase(), s.replace("i", "ı").replace("s", "ſ"), s.upper().replace("I", "İ").replace("K", "K")]


@pytest.mark.skipif(not (DATA / "sites" / "flink").is_dir(), reason="no shared test data (../shared/data)")
def test_no_sentence_of_real_pages_that_a_pattern_matches_is_filtered_out():
    tests = [(p, prefilter(p)) for p in PATTERNS]
    matched = 0
    for s in _sentences():
        for v in _variants(s):
            folded = fold(v)
            for p, possible in tests:
                if p.search(v):
                    matched += 1
                    assert possible(v, folded) and possible(v), (p.pattern[:60], v[:200])
    assert matched > 200    # the check saw many matches


# ------------------------------------------------------------------ random patterns, texts built to match
_WORDS = ["new", "Our ", "the", "a", "ß", "é", "İ", "k", "Sun", "0800", ":", "!", " ", "-", "it's", "ſ", "ı"]
_CASES = {"i": "iIİı", "s": "sSſ", "k": "kKK"}


def _case(ch: str, rnd: random.Random) -> str:
    return rnd.choice(_CASES.get(ch.lower(), ch.lower() + ch.upper()) if ch.isascii() else ch)


def _atom(rnd: random.Random, depth: int, ci: bool):
    """(source, maker) of a random piece of pattern; maker(rnd) gives text it matches."""
    k = rnd.random()
    if depth > 2 or k < 0.45:
        w = rnd.choice(_WORDS)
        return re.escape(w), (lambda r, w=w: "".join(_case(c, r) if ci else c for c in w))
    if k < 0.55:
        chars = rnd.sample("abc:!-x", 3)
        return "[" + "".join(re.escape(c) for c in chars) + "]", (lambda r, cs=chars: _case(r.choice(cs), r) if ci else r.choice(cs))
    if k < 0.75:
        alts = [_seq(rnd, depth + 1, ci) for _ in range(rnd.randint(2, 3))]
        return "(?:" + "|".join(a for a, _ in alts) + ")", (lambda r, alts=alts: r.choice(alts)[1](r))
    if k < 0.85:
        inner = _seq(rnd, depth + 1, True)
        return "(?i:" + inner[0] + ")", inner[1]
    src, make = _atom(rnd, depth + 1, ci)
    q, lo, hi = rnd.choice([("?", 0, 1), ("*", 0, 2), ("+", 1, 3), ("{1,2}", 1, 2), ("{2}", 2, 2), ("{0,1}", 0, 1)])
    return "(?:" + src + ")" + q, (lambda r, make=make, lo=lo, hi=hi: "".join(make(r) for _ in range(r.randint(lo, hi))))


def _seq(rnd: random.Random, depth: int, ci: bool):
    parts = [_atom(rnd, depth, ci) for _ in range(rnd.randint(1, 4))]
    return "".join(s for s, _ in parts), (lambda r, parts=parts: "".join(m(r) for _, m in parts))


@pytest.mark.parametrize("engine", ["re", "regex"])
def test_random_patterns_keep_every_text_they_match(engine):
    rnd = random.Random(18)
    checked = filtered = 0
    for _ in range(1500):
        ci = rnd.random() < 0.5
        src, make = _seq(rnd, 0, ci)
        src = ("(?i)" if ci else "") + src
        rx = re.compile(src) if engine == "re" else regex.compile(src, regex.V0)
        possible = prefilter(rx)
        for _ in range(8):
            text = "x " + make(rnd) + " y"
            if rx.search(text):
                checked += 1
                assert possible(text), (src, text)
        filtered += not possible("nothing of the kind here")
    assert checked > 5000 and filtered > 300


# ------------------------------------------------------------------ the rules engine: prefilter and template memo
def _engine(*patterns: str):
    rules = [compile_one(Rule(id=f"p{i}", kind="pattern", pattern=p), Path("t.toml"), f"rules[{i}]")[0]
             for i, p in enumerate(patterns)]
    return Engine(RuleSet(rules, Checks()))


def test_engine_pattern_hits_are_the_same_with_prefilter_and_template_memo(monkeypatch):
    monkeypatch.setattr(E, "MEMO_TEXTS", 3)        # forgets as it goes: the hits stay the same
    eng = _engine(r"(?i)offer ends \d{1,2} \w+ 20[01]\d", r"0800 ?123 ?4\d\d", r"(?:call){e<=1} us")
    navs = ["OFFER ENDS 3 June 2019 | Home", "Home | News", "Cal us on 0800 123 456"]
    for n in range(12):
        nav = navs[n % 3] + " x" * (n % 5)
        p = PageData(n, f"https://e.org/{n}", texts={"content": [f"page {n}: offer ends {n + 1} May 2018"], "nav": [nav]})
        got = sorted((h.rule, h.region, h.text) for h in eng.page(p).hits)
        want = sorted((r.id, region, m.group(0)) for r in eng.rules for region, text in (("content", p.texts["content"][0]), ("nav", nav))
                      for m in r.pattern.finditer(text))
        assert got == want and got
    assert len(eng.memo) <= 3
