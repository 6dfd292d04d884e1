"""CloudWatch Logs filter patterns with `?` terms: `?ERROR ?FATAL ?"Redis connection failed"`.

moto matches plain words (all must appear) and one quoted phrase, and treats every other pattern
as match-all, so `?A ?B` would match every event. This extension implements the OR form as
CloudWatch Logs does: an event matches when it contains any of the terms (case-sensitive; a quoted
term is an exact phrase). Other syntaxes (`-term`, JSON and space-delimited patterns) still fall
through to moto.
"""
import re

from moto.logs import models, utils

_TERM = re.compile(r'\?("(?:[^"\\]|\\.)*"|[^\s"?]+)')
_OriginalFilter = utils.EventMessageFilter


class _AnyTermFilter:
    def __init__(self, terms):
        self.terms = terms

    def matches(self, message: str) -> bool:
        return any(term in message for term in self.terms)


def _any_terms(pattern):
    stripped = (pattern or "").strip()
    if not stripped.startswith("?"):
        return None
    terms = _TERM.findall(stripped)
    if not terms or _TERM.sub("", stripped).strip():
        return None
    return [t[1:-1].replace('\\"', '"') if t.startswith('"') else t for t in terms]


class EventMessageFilter:
    def __init__(self, pattern: str):
        terms = _any_terms(pattern)
        self._filter = _AnyTermFilter(terms) if terms else _OriginalFilter(pattern)

    def matches(self, message: str) -> bool:
        return self._filter.matches(message)


utils.EventMessageFilter = EventMessageFilter
models.EventMessageFilter = EventMessageFilter
