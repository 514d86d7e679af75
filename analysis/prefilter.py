"""A cheap exact test before a regular expression: the literal words a pattern cannot match without.

Scanning a page's text with a dozen case-insensitive patterns costs far more than looking for a few
words in it: ``r"\\bcoming soon\\b"`` cannot match a text without "coming soon", ``r"\\bour (?:latest|newest)"``
one without "our " and without "latest" or "newest".  :func:`prefilter` reads those words off the
pattern's parse tree (Python's own parser, the one ``re`` compiles from) and returns a test that is False
only when the pattern cannot match: a text it lets through is searched as before, so the matches are the
same, only the searches that would find nothing are skipped.

What is read: runs of literal characters that every match contains (in a sequence, in a group, in a
repetition of at least one), alternatives as "any of", and for ``re`` patterns small character classes
(``[:!]``).  Case-insensitive literals are looked for in :func:`fold` of the text, which maps every
character the engines match to an ASCII letter without case to that letter (tested against every code
point in tests/test_prefilter.py); a case-insensitive literal with a character outside ASCII is not used.

``regex`` patterns (the team's pattern rules) are read with the same parser when their syntax is one both
modules read the same way; anything else (fuzzy matching ``{e<=1}``, POSIX classes, ``\\p{..}``, the
``regex`` flags, back references) gives no prefilter: the pattern then runs on every text, as before.
"""
from __future__ import annotations

import re
try:   # Python's own regular-expression parser (3.11+); a Python without it gets no prefilter: every text searched
    from re import _constants as C  # noqa: N812 (the parser's opcodes)
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover
    C = sre_parse = None
from typing import Callable, Union

import regex

Test = Callable[[str, "str | None"], bool]
# a requirement: ("lit", text, case_insensitive) | ("and", (reqs...)) | ("or", (reqs...)); None: none known
Req = Union[tuple, None]

_ODD = (("ı", "i"), ("ſ", "s"))      # matched as i and s by re and regex under IGNORECASE; lower() keeps them
_MAX_AND = 3                       # requirements checked per sequence (the most selective ones)
_REPEATS = (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)) if C else ()
# the regex module's flags a pattern may carry and still read as Python's re reads it
_REGEX_FLAGS = {regex.I: re.I, regex.M: re.M, regex.S: re.S, regex.X: re.X, regex.A: re.A, regex.U: re.U}
_REGEX_NEUTRAL = regex.V0
_QUANTIFIER = re.compile(r"\{\d*(?:,\d*)?\}")


def fold(text: str) -> str:
    """The text lower-cased so that every character ``re`` or ``regex`` matches with an ASCII letter under
    IGNORECASE becomes that letter (K, the Kelvin sign, to k; İ and ı to i; ſ to s)."""
    if text.isascii():
        return text.lower()
    if "İ" in text:
        text = text.replace("İ", "i")     # lower() makes it "i" and a combining dot: two characters
    text = text.lower()
    for a, b in _ODD:
        if a in text:
            text = text.replace(a, b)
    return text


def _always(text: str, folded: str | None = None) -> bool:
    return True


def prefilter(pattern) -> Test:
    """A test ``(text, folded=None) -> bool`` that is False only when the compiled pattern (``re`` or
    ``regex``) cannot match the text; ``folded`` is :func:`fold` of the text when the caller has it."""
    req = requirement(pattern)
    return _always if req is None else _compile(req)


def requirement(pattern) -> Req:
    """What every match of the compiled pattern contains, or None when nothing safe is known."""
    if sre_parse is None:
        return None
    if isinstance(pattern, re.Pattern):
        if not isinstance(pattern.pattern, str) or pattern.flags & re.LOCALE:
            return None
        return _read(pattern.pattern, pattern.flags & (re.I | re.M | re.S | re.X | re.A | re.U), classes=True)
    if isinstance(pattern, regex.Pattern):
        if not isinstance(pattern.pattern, str) or not _regex_reads_as_re(pattern.pattern):
            return None
        flags = 0
        rest = pattern.flags & ~_REGEX_NEUTRAL
        for rf, f in _REGEX_FLAGS.items():
            if rest & rf:
                flags |= f
                rest &= ~rf
        if rest:
            return None          # VERSION1, FULLCASE, BESTMATCH, REVERSE, WORD, ...: not read
        return _read(pattern.pattern, flags, classes=False)
    return None


def _regex_reads_as_re(source: str) -> bool:
    """Whether a ``regex`` pattern uses only syntax Python's parser reads the same way: no back references
    or octal escapes, no braces other than a repetition count ({e<=1} is fuzzy matching), no set inside a
    set ([[:alpha:]]); the parser refuses the rest (\\p, (?V1), (?f), (*SKIP), ...)."""
    i, n, in_set, set_start = 0, len(source), False, False
    while i < n:
        c = source[i]
        if c == "\\":
            if i + 1 < n and source[i + 1].isdigit():
                return False
            i += 2
            set_start = False
            continue
        if in_set:
            if c == "[":
                return False
            if c == "]" and not set_start:
                in_set = False
            set_start = False
        elif c == "[":
            in_set, set_start = True, True
            if source.startswith("[^", i):
                i += 1
        elif c == "{" and not _QUANTIFIER.match(source, i):
            return False
        i += 1
    return True


def _read(source: str, flags: int, classes: bool) -> Req:
    try:
        tree = sre_parse.parse(source, flags)
    except (re.error, RecursionError, OverflowError, ValueError, TypeError, AttributeError):
        return None
    try:
        return _seq(list(tree), tree.state.flags, classes)
    except (RecursionError, TypeError, ValueError, AttributeError):
        return None


def _lit(chars: list[str], ci: bool) -> Req:
    return ("lit", "".join(chars), ci) if chars else None


def _seq(items: list, flags: int, classes: bool) -> Req:
    """The requirement of a sequence: its literal runs and the requirements of its parts, all of them."""
    ci = bool(flags & re.I)
    parts: list = []
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.append(_lit(run, ci))
            run.clear()

    for op, av in items:
        if op is C.LITERAL:
            ch = chr(av)
            if ci and not ch.isascii():
                flush()
                continue
            run.append(ch.lower() if ci else ch)
            continue
        flush()
        if op is C.SUBPATTERN:
            _, add, drop, sub = av
            parts.append(_seq(list(sub), (flags | add) & ~drop, classes))
        elif op in _REPEATS:
            lo, _, sub = av
            if lo >= 1:
                parts.append(_seq(list(sub), flags, classes))
        elif op is getattr(C, "ATOMIC_GROUP", None):
            parts.append(_seq(list(av), flags, classes))
        elif op is C.BRANCH:
            parts.append(_any([_seq(list(alt), flags, classes) for alt in av[1]]))
        elif op is C.IN and classes:
            parts.append(_class(av, ci))
        # anything else (classes, anchors, lookarounds, references, negated literals) requires no literal
    flush()
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    parts.sort(key=_strength, reverse=True)
    parts = parts[:_MAX_AND]
    return parts[0] if len(parts) == 1 else ("and", tuple(parts))


def _any(alternatives: list[Req]) -> Req:
    if any(a is None for a in alternatives):
        return None
    flat = []
    for a in alternatives:
        flat.extend(a[1] if a[0] == "or" else (a,))
    return flat[0] if len(flat) == 1 else ("or", tuple(flat))


def _class(av, ci: bool) -> Req:
    """A small set of single characters ([:!], [-–]): any of them; None for ranges, categories, negation."""
    chars = []
    for op, v in av:
        if op is not C.LITERAL:
            return None
        ch = chr(v)
        if ci and not ch.isascii():
            return None
        chars.append(ch.lower() if ci else ch)
    if not chars or len(chars) > 8:
        return None
    return _any([("lit", ch, ci) for ch in dict.fromkeys(chars)])


def _strength(req: tuple) -> float:
    """How rarely a requirement holds, roughly: the length of its shortest literal, less for many alternatives."""
    if req[0] == "lit":
        return len(req[1])
    if req[0] == "and":
        return max(_strength(r) for r in req[1])
    return min(_strength(r) for r in req[1]) - len(req[1]) / 16


def _compile(req: tuple) -> Test:
    """The requirement as one Python function (its words as constants): ``t`` the text, ``f`` its fold, folded
    at most once and only when a case-insensitive word needs it."""
    code = f"def test(t, f=None):\n    if f is None:\n        f = fold(t)\n    return {_expr(req)}\n"
    if not _needs_fold(req):
        code = f"def test(t, f=None):\n    return {_expr(req)}\n"
    space: dict = {"fold": fold}
    exec(compile(code, "<prefilter>", "exec"), space)   # noqa: S102 (the words are written with repr())
    return space["test"]


def _expr(req: tuple) -> str:
    kind = req[0]
    if kind == "lit":
        return f"{req[1]!r} in {'f' if req[2] else 't'}"
    joiner = " and " if kind == "and" else " or "
    return "(" + joiner.join(_expr(r) for r in req[1]) + ")"


def _needs_fold(req: tuple) -> bool:
    if req[0] == "lit":
        return req[2]
    return any(_needs_fold(r) for r in req[1])


def uses_fold(pattern) -> bool:
    """Whether the pattern's test looks in the folded text (worth folding once for several patterns)."""
    req = requirement(pattern)
    return req is not None and _needs_fold(req)
