"""CloudWatch GetMetricData as AWS evaluates it: percentile statistics and metric math.

moto 5.2.1 answers a percentile stat (`p95`) with HTTP 500, treats a math expression as a bare
query id (`errors / requests` returns nothing), ignores the namespace when dimensions are given,
and returns a bucket that starts at EndTime. This extension replaces
`CloudWatchBackend.get_metric_data` for requests without Metrics Insights (`SELECT …`) queries,
which still go to moto. Semantics follow the CloudWatch User Guide ("Using metric math") and the
GetMetricData API reference:

- MetricStat: datapoints in [StartTime, EndTime) bucketed by Period from StartTime; a metric is
  the exact set of namespace, name and dimensions (and Unit, when given). Stats: Sum, Average,
  Minimum, Maximum, SampleCount, and pNN / pNN.N (nearest rank over the bucket's values; values
  sent as StatisticValues have no distribution and are left out of percentiles).
- Expressions: numbers, query ids (metrics or other expressions), `+ - * / ^`, unary minus,
  parentheses, `[a, b]` arrays, and the functions METRICS() / METRICS("text"), ABS, SUM, AVG,
  MIN, MAX, FILL(x, value | series | REPEAT | LINEAR).
  - Arithmetic between two time series uses every timestamp of either; a missing value is 0; a
    division by zero drops the datapoint. A scalar applies to every datapoint.
  - SUM/AVG/MIN/MAX of one time series is a scalar; of an array, one time series (SUM and AVG
    count a missing value as 0, MIN and MAX use the values present).
  - FILL fills every period of [StartTime, EndTime) (the period of the request's first metric)
    that has no value.
  - The final result must be a time series or an array of them (one result per member, same Id);
    anything else, an unknown id, a cycle or an unsupported construct (comparisons, IF, SEARCH…)
    is a ValidationError (HTTP 400) naming the expression.
Not emulated: NextToken pagination (everything comes in one page), MaxDatapoints, Messages.
"""
import math
import re
from datetime import timedelta

from moto.cloudwatch.exceptions import ValidationError
from moto.cloudwatch.models import CloudWatchBackend, MetricDatum, Statistics

_original_get_metric_data = CloudWatchBackend.get_metric_data

_PERCENTILE = re.compile(r"^p(\d{1,2}(?:\.\d{1,2})?|100)$")
_BASIC_STATS = {"Sum", "Average", "Minimum", "Maximum", "SampleCount"}
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\"[^\"]*\"|'[^']*')|(.))")


class Series:
    """One time series: a label and {timestamp: value}."""

    def __init__(self, label, points):
        self.label = label
        self.points = points


# ---------------------------------------------------------------------------------------------
# MetricStat


def _stat_value(bucket, stat):
    if stat in _BASIC_STATS:
        stats = Statistics([stat], None)
        stats.metric_data = bucket
        return stats.get_statistics_for_type(stat)
    match = _PERCENTILE.match(stat)
    if not match:
        raise ValidationError(f"The statistic {stat} is not supported by this emulator")
    values = sorted(md.value for md in bucket if isinstance(md, MetricDatum))
    if not values:
        return None
    rank = max(1, math.ceil(float(match.group(1)) / 100 * len(values)))
    return values[rank - 1]


def _metric_stat(query, data, start, end):
    stat_spec = query["MetricStat"]
    metric = stat_spec["Metric"]
    namespace, name = metric.get("Namespace"), metric.get("MetricName")
    dimensions = sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", []) or [])
    unit = stat_spec.get("Unit")
    period = timedelta(seconds=int(stat_spec["Period"]))
    stat = stat_spec["Stat"]
    matching = [
        md
        for md in data
        if md.namespace == namespace
        and md.name == name
        and sorted((d.name, d.value) for d in md.dimensions) == dimensions
        and (not unit or md.unit == unit)
    ]
    points = {}
    bucket_start = start
    while bucket_start < end:
        bucket = [md for md in matching if bucket_start <= md.timestamp < bucket_start + period]
        if bucket:
            value = _stat_value(bucket, stat)
            if value is not None:
                points[bucket_start] = float(value)
        bucket_start += period
    label = query.get("Label") or f"{name} {stat}"
    return Series(label, points)


# ---------------------------------------------------------------------------------------------
# Metric math


class _Parser:
    """Recursive descent over the tokens of one expression; evaluates as it parses."""

    def __init__(self, text, context):
        self.text = text
        self.context = context
        self.tokens = []
        for number, name, string, other in _TOKEN.findall(text):
            if number:
                self.tokens.append(("num", float(number)))
            elif name:
                self.tokens.append(("name", name))
            elif string:
                self.tokens.append(("str", string[1:-1]))
            elif other.strip():
                self.tokens.append(("op", other))
        self.pos = 0

    def fail(self, why):
        raise ValidationError(f"Error in expression '{self.text}': {why}")

    def peek(self):
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", None)

    def take(self, kind=None, value=None):
        token = self.peek()
        if (kind and token[0] != kind) or (value is not None and token[1] != value):
            self.fail(f"expected {value or kind}, found {token[1] if token[1] is not None else 'the end'}")
        self.pos += 1
        return token

    def parse(self):
        value = self.sum()
        if self.peek()[0] != "end":
            self.fail(f"unsupported or unexpected '{self.peek()[1]}'")
        return value

    def sum(self):
        value = self.product()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            value = _binary(value, self.product(), (lambda a, b: a + b) if op == "+" else (lambda a, b: a - b), self)
        return value

    def product(self):
        value = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            value = _binary(value, self.unary(), (lambda a, b: a * b) if op == "*" else (lambda a, b: a / b), self)
        return value

    def unary(self):
        if self.peek() == ("op", "-"):
            self.take()
            return _binary(-1.0, self.unary(), lambda a, b: a * b, self)
        return self.power()

    def power(self):
        base = self.primary()
        if self.peek() == ("op", "^"):
            self.take()
            return _binary(base, self.unary(), lambda a, b: a**b, self)
        return base

    def primary(self):
        kind, value = self.peek()
        if kind == "num":
            self.take()
            return value
        if (kind, value) == ("op", "("):
            self.take()
            inner = self.sum()
            self.take("op", ")")
            return inner
        if (kind, value) == ("op", "["):
            self.take()
            members = [self.sum()]
            while self.peek() == ("op", ","):
                self.take()
                members.append(self.sum())
            self.take("op", "]")
            return [s for m in members for s in (m if isinstance(m, list) else [m]) if self._series(m)]
        if kind == "name" and value in _FUNCTIONS:
            self.take()
            self.take("op", "(")
            args = []
            if self.peek() != ("op", ")"):
                args.append(self.argument())
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.argument())
            self.take("op", ")")
            return _FUNCTIONS[value](self, args)
        if kind == "name" and value[0].islower():
            self.take()
            return self.context.value_of(value, self)
        self.fail(f"unsupported or unexpected '{value if value is not None else 'the end'}'")

    def argument(self):
        kind, value = self.peek()
        if kind == "str" or (kind == "name" and value in ("REPEAT", "LINEAR")):
            self.take()
            return ("keyword", value) if kind == "name" else ("string", value)
        return self.sum()

    def _series(self, member):
        if isinstance(member, (Series, list)):
            return True
        self.fail("an array holds time series only")


def _binary(a, b, fn, parser):
    if isinstance(a, list) and isinstance(b, list):
        parser.fail("arithmetic between two arrays of time series is not supported")
    if isinstance(a, list):
        return [_binary(s, b, fn, parser) for s in a]
    if isinstance(b, list):
        return [_binary(a, s, fn, parser) for s in b]
    if isinstance(a, Series) or isinstance(b, Series):
        return _series_op(a, b, fn)
    if a is None or b is None:
        return None
    try:
        return float(fn(a, b))
    except ZeroDivisionError:
        parser.fail("division by zero")


def _series_op(a, b, fn):
    """Series op Series (union of timestamps, missing = 0) or with a scalar; x/0 drops the point."""
    label = a.label if isinstance(a, Series) else b.label
    if (not isinstance(a, Series) and a is None) or (not isinstance(b, Series) and b is None):
        return Series(label, {})
    times = set(a.points if isinstance(a, Series) else ()) | set(b.points if isinstance(b, Series) else ())
    points = {}
    for at in times:
        left = a.points.get(at, 0.0) if isinstance(a, Series) else a
        right = b.points.get(at, 0.0) if isinstance(b, Series) else b
        try:
            points[at] = float(fn(left, right))
        except (ZeroDivisionError, OverflowError):
            continue
    return Series(label, points)


def _one_arg(parser, args, name):
    if len(args) != 1 or isinstance(args[0], tuple):
        parser.fail(f"{name} takes one time series or array")
    return args[0]


def _metrics(parser, args):
    if len(args) > 1 or (args and not (isinstance(args[0], tuple) and args[0][0] == "string")):
        parser.fail('METRICS takes nothing or one string, e.g. METRICS("errors")')
    text = args[0][1] if args else ""
    return [parser.context.value_of(query_id, parser) for query_id in parser.context.metric_ids if text in query_id]


def _abs(parser, args):
    value = _one_arg(parser, args, "ABS")
    return _binary(value, 0.0, lambda a, _b: abs(a), parser)


def _aggregate(name, reduce_values, missing_is_zero):
    def function(parser, args):
        value = _one_arg(parser, args, name)
        if isinstance(value, Series):
            return reduce_values(list(value.points.values()))
        if isinstance(value, list):
            times = set().union(*(s.points for s in value)) if value else set()
            points = {}
            for at in times:
                values = [s.points.get(at, 0.0) for s in value] if missing_is_zero else [s.points[at] for s in value if at in s.points]
                result = reduce_values(values)
                if result is not None:
                    points[at] = result
            return Series(name, points)
        parser.fail(f"{name} takes a time series or an array of time series")

    return function


def _fill(parser, args):
    if len(args) != 2:
        parser.fail("FILL takes a time series and a filler: a number, a time series, REPEAT or LINEAR")
    target, filler = args
    if isinstance(target, list):
        return [_fill(parser, [s, filler]) for s in target]
    if not isinstance(target, Series):
        parser.fail("FILL's first argument must be a time series")
    points = dict(target.points)
    grid = parser.context.grid()
    known = sorted(points)
    for at in grid:
        if at in points:
            continue
        if isinstance(filler, tuple) and filler[1] == "REPEAT":
            before = [t for t in known if t < at]
            after = [t for t in known if t > at]
            source = before[-1] if before else (after[0] if after else None)
            if source is not None:
                points[at] = target.points[source]
        elif isinstance(filler, tuple) and filler[1] == "LINEAR":
            before = [t for t in known if t < at]
            after = [t for t in known if t > at]
            if before and after:
                t0, t1 = before[-1], after[0]
                v0, v1 = target.points[t0], target.points[t1]
                points[at] = v0 + (v1 - v0) * ((at - t0) / (t1 - t0))
        elif isinstance(filler, Series):
            if at in filler.points:
                points[at] = filler.points[at]
        elif isinstance(filler, float):
            points[at] = filler
        elif filler is None:
            continue
        else:
            parser.fail("FILL's filler must be a number, a time series, REPEAT or LINEAR")
    return Series(target.label, points)


_FUNCTIONS = {
    "METRICS": _metrics,
    "ABS": _abs,
    "SUM": _aggregate("SUM", lambda v: float(sum(v)), True),
    "AVG": _aggregate("AVG", lambda v: float(sum(v)) / len(v) if v else None, True),
    "MIN": _aggregate("MIN", lambda v: float(min(v)) if v else None, False),
    "MAX": _aggregate("MAX", lambda v: float(max(v)) if v else None, False),
    "FILL": _fill,
}


class _Context:
    """The request's queries: metrics computed once, expressions evaluated on demand (cycles refused)."""

    def __init__(self, queries, data, start, end):
        self.queries = {q["Id"]: q for q in queries}
        self.metric_ids = [q["Id"] for q in queries if "MetricStat" in q]
        self.data, self.start, self.end = data, start, end
        self.values = {}
        self.evaluating = set()

    def grid(self):
        periods = [int(self.queries[i]["MetricStat"]["Period"]) for i in self.metric_ids]
        period = timedelta(seconds=periods[0] if periods else 60)
        times, at = [], self.start
        while at < self.end:
            times.append(at)
            at += period
        return times

    def value_of(self, query_id, parser=None):
        if query_id in self.values:
            return self.values[query_id]
        query = self.queries.get(query_id)
        if query is None:
            (parser.fail if parser else _raise)(f"unknown id '{query_id}'")
        if query_id in self.evaluating:
            (parser.fail if parser else _raise)(f"'{query_id}' refers to itself")
        self.evaluating.add(query_id)
        if "MetricStat" in query:
            value = _metric_stat(query, self.data, self.start, self.end)
        else:
            value = _Parser(query["Expression"], self).parse()
            if isinstance(value, Series):
                value.label = query.get("Label") or query_id
        self.evaluating.discard(query_id)
        self.values[query_id] = value
        return value


def _raise(message):
    raise ValidationError(message)


def _result(query_id, label, series, scan_by):
    times = sorted(series.points, reverse=scan_by == "TimestampDescending")
    return {
        "id": query_id,
        "label": label,
        "values": [series.points[t] for t in times],
        "timestamps": times,
        "status_code": "Complete",
    }


def get_metric_data(self, queries, start_time, end_time, scan_by="TimestampAscending"):
    if any(str(q.get("Expression", "")).lstrip().upper().startswith("SELECT") for q in queries):
        return _original_get_metric_data(self, queries, start_time, end_time, scan_by)
    start_time = start_time.replace(microsecond=0)
    end_time = end_time.replace(microsecond=0)
    if start_time >= end_time:
        raise ValidationError("The parameter StartTime must be less than the parameter EndTime.")
    data = [md for md in self.get_all_metrics() if start_time <= md.timestamp < end_time]
    context = _Context(queries, data, start_time, end_time)
    results = []
    for query in queries:
        value = context.value_of(query["Id"])
        if query.get("ReturnData", True) in (False, "false"):
            continue
        if isinstance(value, Series):
            results.append(_result(query["Id"], value.label, value, scan_by))
        elif isinstance(value, list):
            label = query.get("Label") or query["Id"]
            results.extend(_result(query["Id"], f"{label} {s.label}", s, scan_by) for s in value)
        else:
            raise ValidationError(
                f"Error in expression '{query.get('Expression')}': the result must be a time series or an array of time series, not a number"
            )
    return results


CloudWatchBackend.get_metric_data = get_metric_data
