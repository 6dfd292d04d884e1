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


# --- Logs Insights: `filter`, `stats count(*)`, `fields`, `sort @timestamp desc`, `limit` ---------
#
# moto's engine handles `fields`, `sort` and `limit` and ignores `filter` and `stats` (every event
# is returned). This replaces it with the subset verify-deployment's queries use: commands split on
# `|`; `filter` takes `@message like /regex/` / `@logStream like /regex/` / `@logStream in [...]`
# joined with `and` / `or` (parentheses allowed); `stats count(*) [as name]` answers one row;
# `fields` picks @timestamp, @message, @logStream, @log; `sort @timestamp asc|desc`; `limit N`.
# `statistics.recordsScanned` is the number of events in the time window that were read.

from moto.logs import models as _models  # noqa: E402

_LIKE = re.compile(r"(@message|@logStream)\s+like\s+/((?:[^/\\]|\\.)*)/")
_IN = re.compile(r"@logStream\s+in\s+\[([^\]]*)\]")


class _Results(list):
    records_scanned = 0


def _split_commands(query):
    parts, current, in_regex, in_string = [], "", False, False
    for i, ch in enumerate(query):
        escaped = i > 0 and query[i - 1] == "\\"
        if ch == '"' and not in_regex and not escaped:
            in_string = not in_string
        if ch == "/" and not in_string and not escaped:
            in_regex = not in_regex
        if ch == "|" and not in_regex and not in_string:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    parts.append(current.strip())
    return [p for p in parts if p]


def _compile_filter(expr):
    """A filter expression as a Python predicate over (message, stream): translated to Python."""
    names = []

    def like(m):
        names.append((m.group(1), re.compile(m.group(2))))
        return f"_m[{len(names) - 1}]"

    def within(m):
        import json

        names.append(("in", set(json.loads(f"[{m.group(1)}]"))))
        return f"_m[{len(names) - 1}]"

    source = _IN.sub(within, _LIKE.sub(like, expr))
    if re.sub(r"_m\[\d+\]|\band\b|\bor\b|\bnot\b|[()\s]", "", source):
        raise ValueError(f"unsupported filter: {expr}")

    def predicate(message, stream):
        values = [
            (stream in rx) if kind == "in" else bool(rx.search(message if kind == "@message" else stream))
            for kind, rx in names
        ]
        return eval(source, {"__builtins__": {}}, {"_m": values})  # noqa: S307 - built from the parsed parts only

    return predicate


def _execute_query(log_groups, query, start_time, end_time):
    predicates, count_as, fields, reverse, limit = [], None, [], False, None
    for command in _split_commands(query):
        verb, _, rest = command.partition(" ")
        if verb == "filter":
            predicates.append(_compile_filter(rest))
        elif verb == "stats":
            m = re.match(r"count\(\*\)(?:\s+as\s+(\S+))?\s*$", rest.strip())
            if not m:
                raise ValueError(f"unsupported stats: {rest}")
            count_as = m.group(1) or "count(*)"
        elif verb == "fields":
            fields = [f.strip() for f in rest.split(",")]
        elif verb == "sort":
            reverse = rest.strip().endswith("desc")
        elif verb == "limit":
            limit = int(rest.strip())
    scanned, matched = 0, []
    for group in log_groups:
        for stream in group.streams.values():
            for event in stream.events:
                if start_time and event.timestamp < start_time * 1000:
                    continue
                if end_time and event.timestamp > end_time * 1000:
                    continue
                scanned += 1
                if all(p(event.message, stream.log_stream_name) for p in predicates):
                    matched.append((event, stream, group))
    results = _Results()
    results.records_scanned = scanned
    if count_as is not None:
        results.append({count_as: len(matched)})
        return results
    matched.sort(key=lambda m: m[0].timestamp, reverse=reverse)
    for event, stream, group in matched[: limit or 10_000]:
        row = {"@ptr": event.event_id}
        values = {"@timestamp": event.timestamp, "@message": event.message, "@logStream": stream.log_stream_name, "@log": group.name}
        row.update({f: values[f] for f in fields if f in values})
        results.append(row)
    return results


_original_result_json = _models.LogQuery.to_result_json


def _result_json(self):
    out = _original_result_json(self)
    scanned = getattr(self.results, "records_scanned", len(self.results))
    out["statistics"] = {"recordsScanned": float(scanned), "recordsMatched": float(len(self.results)), "bytesScanned": 0.0}
    return out


_models.execute_query = _execute_query
_models.LogQuery.to_result_json = _result_json
