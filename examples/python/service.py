#!/usr/bin/env python3
"""A recommendation service over HTTP: one loaded model, many concurrent requests.

    python3 service.py --model model.gnr [--host 127.0.0.1] [--port 8080]

Open http://HOST:PORT/ in a browser for the page (pick a user, or liked
movies for a new one, set filters, see the recommendations explained, a
graph of them and a map of the movies); /?user=ID opens it on one user.

Endpoints (JSON in, JSON out):
    GET  /health      {"status": "ok", "model": "lightgcn", "users": ..., "items": ..., ...}
    GET  /catalog     genres, year range, sizes, some user ids, the explanation method;
                      for a knowledge-graph model trained on triples also "kg": {"entities",
                      "relations": [names], "entity_names": [some names]}
    GET  /items?q=toy+story&limit=20    title search: [{"item", "title", "year", "genres"}]
    GET  /entities?q=0026&limit=20      a triple-trained model's entity names holding q
                      (case-insensitive; those starting with it first): {"query", "entities"}
    GET  /users/ID    one user's profile and rated movies
    GET  /map         the movies' 2-D PCA projection (computed once, then cached)
    POST /recommend   {"user_id": 1, "k": 10, "genres": ["Comedy"], "year_min": 1990,
                       "year_max": 1999, "min_score": 0.5, "exclude_seen": true, "least": false,
                       "explain": false}
                      or {"liked": [1, 50, 181], "k": 10, ...} for a user the model has not seen
    POST /similar     {"item_id": 50, "k": 10, <the same filters>}
                      (a model whose ids are names, as gnnrec train makes of a file of
                      names, takes and shows the names: "user_id": "alice", "item": "B000X")
    POST /links       {"head": "00260881", "relation": "_hypernym", "k": 10, "exclude_training": true}
                      or {"tail": ..., "relation": ...}: a knowledge-graph model's (rotate,
                      transe, distmult, complex) best entities completing the triple, by name
                      or id: {"head", "relation", "entities": [{"entity", "name", "score"}]};
                      or {"queries": [{"head": ..., "relation": ...}, {"tail": ...}, ...], "k",
                      "exclude_training"}: up to 1,000 queries answered in one batch,
                      {"results": [<one answer as above per query, in order>]}
    POST /reload      {}: load the --model file again and serve it (as SIGHUP does), for a model
                      rewritten in place (gnnrec update --out, gnnrec train --out: written
                      atomically); {"status": "reloaded", <as /health>}, or 500 with the old
                      model still served when the file cannot be loaded
Errors are {"error": message}: 400 for malformed JSON, a bad or unknown field
or a bad Content-Length; 404 for an unknown user, item or path; 405 for a
wrong method (with an Allow header); 411 for a POST with neither
Content-Length nor chunked Transfer-Encoding; 413 for a body over 1 MiB;
501 for a method the service does not know (TRACE, ...) or a transfer
coding other than chunked.  HEAD answers as GET without the body.

Each connection is served by its own thread (ThreadingHTTPServer); the
model is immutable and the library's calls are thread-safe and release the
GIL, so requests run in parallel on one shared model.  A request is
answered wholly by the model served when it began: a reload swaps the
model for later requests, and the one before is freed when the last
request using it ends.  Uses only the
standard library and the gnnrec ctypes binding (numpy, when installed,
speeds up the map).
"""

import argparse
import json
import math
import os
import signal
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    try:
        import gnnrec  # noqa: E402
    except ModuleNotFoundError:  # not installed: the package in this source tree (python/)
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "python"))
        import gnnrec  # noqa: E402
except ImportError as e:  # --help works without the library; main() reports it
    gnnrec, _import_error = None, e
else:
    _import_error = None
    import service_projection  # noqa: E402
    from service_catalog import Catalog  # noqa: E402
    from service_explain import Explainer  # noqa: E402

WEB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "web")
MAX_BODY = 1 << 20
MAX_LINE = 1024  # a chunk-size line
MAX_SEARCH = 100
MAX_EXPLAINED = 100  # k with "explain": each item costs a library call or a pass over the history
MAX_LINK_QUERIES = 1000  # queries of one POST /links: each holds k answers in the reply
SAMPLE_USERS = 200
IDLE_TIMEOUT = 120  # seconds a connection may stay silent, mid-request or between requests
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
YEAR_MAX = 9999
KG_KINDS = ("transe", "distmult", "rotate", "complex")
FILTERS = ("genres", "year_min", "year_max", "min_score", "exclude_seen", "least")
FIELDS = {
    "/recommend": ("user_id", "liked", "k", "explain") + FILTERS,
    "/similar": ("item_id", "k") + FILTERS,
    "/links": ("head", "tail", "relation", "queries", "k", "exclude_training"),
    "/reload": (),
}
GET_ROUTES = ("/", "/health", "/catalog", "/items", "/entities", "/map")
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}


class HttpError(Exception):
    """A request answered with an error status and {"error": message}."""

    def __init__(self, status, message, close=False, allow=None):
        super().__init__(message)
        self.status = status
        self.close = close  # the connection's state is unknown: close it
        self.allow = allow  # a 405's Allow header: the methods the path takes


class BadRequest(HttpError):
    """A request the client must fix: answered with 400."""

    def __init__(self, message, close=False):
        super().__init__(400, message, close)


class _Disconnected(Exception):
    """The client went away before sending its whole request."""


# ---- request fields -------------------------------------------------------------

def _int_field(body, name, default=None, low=None, high=None):
    value = body.get(name, default)
    if value is None:
        raise BadRequest("missing field '%s'" % name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest("field '%s' must be an integer, got %s" % (name, _shown(value)))
    if low is not None and value < low:
        raise BadRequest("field '%s' must be at least %d, got %d" % (name, low, value))
    if high is not None and value > high:
        raise BadRequest("field '%s' must be at most %d, got %d" % (name, high, value))
    if not INT64_MIN <= value <= INT64_MAX:
        raise BadRequest("field '%s' is out of the 64-bit range" % name)
    return value


def _shown(value, limit=60):
    """A value as JSON, shortened for an error message."""
    text = json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _is_int64(v):
    return isinstance(v, int) and not isinstance(v, bool) and INT64_MIN <= v <= INT64_MAX


def _name_id(value, what):
    """The id of a name in a request (an integer is the name it spells)."""
    if _is_int64(value):
        value = str(value)
    if not isinstance(value, str):
        raise BadRequest("%s must be a name, got %s" % (what, _shown(value)))
    try:
        return gnnrec.name_id(value)
    except (gnnrec.InvalidArgumentError, UnicodeError) as e:
        raise BadRequest("%s: %s" % (what, getattr(e, "message", e))) from None


def _genre_names(value):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
        raise BadRequest("field 'genres' must be a list of genre names, got %s" % _shown(value))
    for g in value:
        if not g.strip() or "\0" in g:
            raise BadRequest("field 'genres' has an empty genre name or one with a NUL character")
        try:
            g.encode("utf-8")
        except UnicodeEncodeError:
            raise BadRequest("field 'genres' has a name that is not valid Unicode") from None
    return value


def _filters(body):
    out = {}
    for name in FILTERS:
        if name not in body or body[name] is None:
            continue
        value = body[name]
        if name == "genres":
            value = _genre_names(value)
        elif name in ("exclude_seen", "least"):
            if not isinstance(value, bool):
                raise BadRequest("field '%s' must be true or false, got %s" % (name, _shown(value)))
        elif name == "min_score":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise BadRequest("field 'min_score' must be a number, got %s" % _shown(value))
            try:
                value = float(value)
            except OverflowError:
                value = math.inf
            if not math.isfinite(value):
                raise BadRequest("field 'min_score' must be a finite number")
        else:
            value = _int_field(body, name, low=0, high=YEAR_MAX)
        out[name] = value
    return out


def _check_fields(body, path):
    unknown = sorted(set(body) - set(FIELDS[path]))
    if unknown:
        raise BadRequest("unknown field%s %s; %s takes %s" % (
            "s" if len(unknown) > 1 else "", ", ".join("'%s'" % u for u in unknown), path,
            ", ".join(FIELDS[path])))


def _bool_field(body, name, default=False):
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise BadRequest("field '%s' must be true or false, got %s" % (name, _shown(value)))
    return value


def _json_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def _parse_json(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest("malformed JSON: the body is not UTF-8 (%s)" % e) from None
    if not text.strip():
        raise BadRequest("malformed JSON: the body is empty; send a JSON object")
    try:
        body = json.loads(text, parse_constant=_json_constant)
    except RecursionError:
        raise BadRequest("malformed JSON: nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, and NaN / Infinity
        raise BadRequest("malformed JSON: %s" % e) from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


# ---- the handler --------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients may reuse connections
    server_version = "gnnrec-service"
    timeout = IDLE_TIMEOUT

    # ---- plumbing --------------------------------------------------------------

    def _send(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self._send_bytes(status, data, "application/json", headers)

    def _send_bytes(self, status, data, content_type, headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _error(self, status, message, headers=None):
        self._send(status, {"error": message}, headers)

    def send_error(self, code, message=None, explain=None):
        """Errors found by http.server itself (a bad request line, an
        unknown method, headers too long) in the service's JSON form."""
        self.close_connection = True
        if not hasattr(self, "command"):
            self.command = None
        self.log_error("code %d, message %s", code, message)
        self._error(code, message or self.responses.get(code, ("error",))[0])

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def handle(self):
        """Serve the connection; a client that goes away costs one log line."""
        try:
            super().handle()
        except (ConnectionError, TimeoutError, _Disconnected) as e:
            self.close_connection = True
            self.log_message("client went away: %s", e.__class__.__name__)

    def _route(self, handlers, path):
        """Call handlers[path]() and send its answer, or the error it raises."""
        self._body_read = False
        self.serving = self.server.serving  # one model for the whole request, whatever a reload does
        if self.command != "POST" and self._has_body():
            self.close_connection = True  # a body no route reads would be taken for the next request
        try:
            handler = handlers.get(path)
            if handler is None:
                raise self._no_route(path)
            handler()
        except HttpError as e:
            self._route_error(e)
        except (ConnectionError, TimeoutError, _Disconnected):
            raise
        except Exception:  # a bug: answer 500 and log it, keep serving
            self.close_connection = True
            traceback.print_exc()
            self._error(500, "internal error")

    def _no_route(self, path):
        allow = _allowed(path)
        if allow is None:
            return HttpError(404, "no such endpoint: %s" % path)
        return HttpError(405, "%s takes %s, not %s" % (path, " or ".join(allow), self.command), allow=allow)

    # ---- methods ---------------------------------------------------------------

    def do_GET(self):
        url = urlsplit(self.path)
        self.query = parse_qs(url.query, keep_blank_values=True)
        path = url.path
        if path.startswith("/users/"):
            self._route({path: lambda: self._user(path[len("/users/"):])}, path)
        elif path.startswith("/static/"):
            self._route({path: lambda: self._static(path[len("/static/"):])}, path)
        else:
            self._route({"/": lambda: self._static("index.html"), "/health": self._health,
                         "/catalog": self._catalog, "/items": self._items, "/entities": self._entities,
                         "/map": self._map}, path)

    def do_HEAD(self):
        self.do_GET()  # the same status and headers; _send_bytes leaves out the body

    def do_POST(self):
        path = urlsplit(self.path).path
        self._route({p: (lambda p=p: self._post(p)) for p in FIELDS}, path)

    def _refuse(self):
        """PUT, DELETE, PATCH, OPTIONS: 405 naming the methods the path takes."""
        self._route({}, urlsplit(self.path).path)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

    def _route_error(self, e):
        if e.close or (not self._body_read and self._has_body()):
            self.close_connection = True  # as above: a POST refused before its body was read
        self._error(e.status, str(e), {"Allow": ", ".join(e.allow)} if e.allow else None)

    def _has_body(self):
        return "Transfer-Encoding" in self.headers or self.headers.get("Content-Length", "0").strip() != "0"

    # ---- the body --------------------------------------------------------------

    def _body(self, empty_ok=False):
        """The request's JSON object; with empty_ok an empty body is {}."""
        te = self.headers.get("Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length") or []
        if te is not None:
            if lengths:
                raise BadRequest("both Transfer-Encoding and Content-Length were sent; send one", close=True)
            if te.strip().lower() != "chunked":
                raise HttpError(501, "Transfer-Encoding %r is not supported; send chunked or a "
                                "Content-Length" % te, close=True)
            raw = self._read_chunked()
        elif not lengths:
            raise HttpError(411, "a POST needs a Content-Length header or chunked Transfer-Encoding",
                            close=True)
        else:
            raw = self._read_exactly(self._content_length(lengths))
        self._body_read = True
        return {} if empty_ok and not raw.strip() else _parse_json(raw)

    def _content_length(self, lengths):
        values = {v.strip() for v in lengths}
        if len(values) > 1:
            raise BadRequest("conflicting Content-Length headers: %s" % ", ".join(sorted(values)), close=True)
        value = values.pop()
        if not value.isdigit() or not value.isascii():
            raise BadRequest("bad Content-Length header %r: it must be a byte count (0 or more)"
                             % value[:40], close=True)
        length = int(value)
        if length > MAX_BODY:
            raise HttpError(413, "the body (Content-Length %d) is larger than %d bytes" % (length, MAX_BODY),
                            close=True)
        return length

    def _read_exactly(self, n):
        data = self.rfile.read(n) if n else b""
        if len(data) < n:
            raise _Disconnected("%d of %d body bytes" % (len(data), n))
        return data

    def _read_chunked(self):
        parts, size = [], 0
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                raise _Disconnected("in a chunked body")
            if len(line) > MAX_LINE or not line.endswith(b"\n"):
                raise BadRequest("malformed chunked body: a chunk-size line is too long", close=True)
            text = line.split(b";", 1)[0].strip()
            try:
                n = int(text, 16)
            except ValueError:
                n = -1
            if n < 0 or not text or text.startswith((b"-", b"+")) or text.lower().startswith(b"0x"):
                raise BadRequest("malformed chunked body: bad chunk size %r" % text[:20].decode("latin-1"),
                                 close=True)
            if n == 0:
                break
            size += n
            if size > MAX_BODY:
                raise HttpError(413, "the chunked body is larger than %d bytes" % MAX_BODY, close=True)
            parts.append(self._read_exactly(n))
            if self._read_exactly(2) != b"\r\n":
                raise BadRequest("malformed chunked body: a chunk does not end with CRLF", close=True)
        while True:  # trailer fields, up to the empty line
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                raise _Disconnected("in the trailer of a chunked body")
            if line in (b"\r\n", b"\n"):
                return b"".join(parts)
            if len(line) > MAX_LINE:
                raise BadRequest("malformed chunked body: a trailer line is too long", close=True)

    # ---- GET routes ---------------------------------------------------------------

    def _health(self):
        self._send(200, dict(self.serving.describe(), status="ok"))

    def _catalog(self):
        s = self.serving
        g = s.model.graph
        out = {"model": s.model.kind, "dim": s.model.dim, "users": g.num_users, "items": g.num_items,
               "genres": s.catalog.genres, "year_min": s.catalog.year_range[0],
               "year_max": s.catalog.year_range[1], "user_ids": s.sample_users,
               "explanations": s.explainer.describe()}
        if s.triples is not None:
            out["kg"] = {"entities": s.kg.num_entities, "relations": s.triples.relations,
                         "entity_names": s.triples.names[:SAMPLE_USERS]}
        self._send(200, out)

    def _entities(self):
        triples = self.serving.triples
        if triples is None:
            raise HttpError(404, "/entities lists the entities of a knowledge-graph model trained on triples; "
                                 "this one is %s" % self.serving.model.kind)
        q = self._query_one("q", "")
        limit = self._query_int("limit", 20, 1, MAX_SEARCH)
        self._send(200, {"query": q, "entities": triples.search(q, limit)})

    def _items(self):
        q = self._query_one("q", "")
        limit = self._query_int("limit", 20, 1, MAX_SEARCH)
        self._send(200, {"query": q, "items": self.serving.catalog.search(q, limit)})

    def _user(self, ident):
        s = self.serving
        g = s.model.graph
        text = unquote(ident)
        if s.named:
            user = _name_id(text, "the user name")
        else:
            try:
                user = int(text)
            except ValueError:
                raise BadRequest("a user id is an integer, got %r" % text[:40]) from None
            if not INT64_MIN <= user <= INT64_MAX:
                raise BadRequest("the user id is out of the 64-bit range")
        try:
            rated = g.user_items(user)
            info = g.user_info(user)
        except gnnrec.NotFoundError as e:
            raise HttpError(404, "unknown user %s (%s)" % (text[:60], e.message)) from None
        c = s.catalog
        items = [dict(c.record(i), rating=round(r, 3)) for i, r in rated]
        self._send(200, {"user_id": s.shown_user(user), "info": info, "items": items})

    def _map(self):
        self._send_bytes(200, self.serving.item_map(), "application/json")

    def _static(self, name):
        content_type = STATIC_TYPES.get(os.path.splitext(name)[1])
        if content_type is None or name not in self.server.static_files:
            raise HttpError(404, "no such file: /static/%s" % name)
        with open(os.path.join(WEB, name), "rb") as f:
            data = f.read()
        self._send_bytes(200, data, content_type, {"Cache-Control": "no-cache"})

    def _query_one(self, name, default):
        values = self.query.get(name)
        return values[-1] if values else default

    def _query_int(self, name, default, low, high):
        text = self._query_one(name, None)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            raise BadRequest("query parameter '%s' must be an integer, got %r" % (name, text[:40])) from None
        if not low <= value <= high:
            raise BadRequest("query parameter '%s' must be between %d and %d" % (name, low, high))
        return value

    # ---- POST routes --------------------------------------------------------------

    def _post(self, path):
        body = self._body(empty_ok=path == "/reload")
        _check_fields(body, path)
        if path == "/reload":
            self._send(200, dict(self.server.reload().describe(), status="reloaded"))
            return
        try:
            result = {"/recommend": self._recommend, "/similar": self._similar, "/links": self._links}[path](body)
        except (gnnrec.InvalidArgumentError, gnnrec.RangeError, gnnrec.UnsupportedError) as e:
            raise BadRequest(e.message) from None  # k out of range, no fold-in for this kind, ...
        self._send(200, result)

    def _recommend(self, body):
        m = self.serving.model
        if "liked" in body and "user_id" in body:
            raise BadRequest("send either 'user_id' (a known user) or 'liked' (a new user's items), not both")
        k = _int_field(body, "k", default=10, low=1)
        explain = _bool_field(body, "explain")
        if explain and k > MAX_EXPLAINED:
            raise BadRequest("field 'k' must be at most %d with 'explain', got %d" % (MAX_EXPLAINED, k))
        filters = _filters(body)
        _check_genres(m, filters)
        s = self.serving
        if "liked" in body:
            shown = body["liked"]
            if not isinstance(shown, list) or not (all(isinstance(i, str) or _is_int64(i) for i in shown) if s.named
                                                    else all(_is_int64(i) for i in shown)):
                raise BadRequest("field 'liked' must be a list of item %s, got %s"
                                 % ("names" if s.named else "ids", _shown(shown)))
            if not shown:
                raise BadRequest("field 'liked' is empty: a new user needs at least one liked item")
            liked = [_name_id(i, "field 'liked'") for i in shown] if s.named else shown
            recs = _lookup(lambda: m.recommend_liked(liked, k, **filters), "a liked item is unknown")
            out = {"liked": shown, "items": self._items_of(recs)}
            if explain:
                self._explain(out["items"], recs, liked=liked)
            return out
        user = self._id_field(body, "user_id")
        recs = _lookup(lambda: m.recommend(user, k, **filters), "unknown user %s" % _shown(body["user_id"]))
        out = {"user_id": body["user_id"], "items": self._items_of(recs)}
        if explain:
            self._explain(out["items"], recs, user=user)
        return out

    def _id_field(self, body, name):
        """A user or item id of the request: a name in a model whose ids are names."""
        if not self.serving.named:
            return _int_field(body, name)
        if name not in body:
            raise BadRequest("missing field '%s'" % name)
        return _name_id(body[name], "field '%s'" % name)

    def _similar(self, body):
        m = self.serving.model
        item = self._id_field(body, "item_id")
        k = _int_field(body, "k", default=10, low=1)
        filters = _filters(body)
        _check_genres(m, filters)
        recs = _lookup(lambda: m.similar_items(item, k, **filters), "unknown item %s" % _shown(body["item_id"]))
        return {"item_id": body["item_id"], "items": self._items_of(recs)}

    def _links(self, body):
        """The entities best completing (head, relation, ?) or (?, relation,
        tail): one query, or a list of them answered in one batch."""
        kg = self.serving.kg
        if kg is None:
            raise BadRequest("/links needs a knowledge-graph model (rotate, transe, distmult, complex); this one is %s"
                             % self.serving.model.kind)
        k = _int_field(body, "k", default=10, low=1, high=kg.num_entities)
        exclude = _bool_field(body, "exclude_training", default=True)
        if "queries" in body:
            if any(f in body for f in ("head", "tail", "relation")):
                raise BadRequest("send either 'queries' or one query's 'head' or 'tail' and 'relation', not both")
            queries = body["queries"]
            if not isinstance(queries, list) or not 1 <= len(queries) <= MAX_LINK_QUERIES:
                raise BadRequest("field 'queries' must be a list of 1 to %d queries, got %s"
                                 % (MAX_LINK_QUERIES, _shown(queries)))
            parsed = [_link_query(kg, q, "queries[%d]: " % i) for i, q in enumerate(queries)]
        else:
            parsed = [_link_query(kg, body, "")]
        m = self.serving.model
        lists = m.predict_links([q[1] for q in parsed], [q[2] for q in parsed],
                                direction=["tails" if q[0] == "head" else "heads" for q in parsed], k=k,
                                exclude_training=exclude)
        answers = [{side: shown[side], "relation": shown["relation"],
                    "entities": [{"entity": x.entity, "name": x.name, "score": round(x.score, 6)} for x in links]}
                   for (side, _, _, shown), links in zip(parsed, lists)]
        return {"results": answers} if "queries" in body else answers[0]

    def _items_of(self, recs):
        c = self.serving.catalog
        return [{"item": c.shown(r.item), "score": round(r.score, 6), "title": r.title, "year": c.year(r.item),
                 "genres": c.genre_names(r.item)} for r in recs]

    def _explain(self, items, recs, user=None, liked=None):
        why = self.serving.explainer.explain([r.item for r in recs], user=user, liked=liked)
        for r, e in zip(items, why):
            r["explanation"] = e


def _allowed(path):
    """The methods a path takes, None for no such path."""
    if path in FIELDS:
        return ["POST"]
    if path in GET_ROUTES or path.startswith(("/users/", "/static/")):
        return ["GET", "HEAD"]
    return None


def _link_query(kg, q, where):
    """(side, anchor id, relation id, q) of one link query, side "head" to
    predict tails; a bad query is a 400, an unknown name a 404, both
    prefixed with `where` (which query of a batch)."""
    if not isinstance(q, dict):
        raise BadRequest("%sa query must be an object, got %s" % (where, _shown(q)))
    if ("head" in q) == ("tail" in q) or "relation" not in q:
        raise BadRequest("%ssend 'relation' with exactly one of 'head' (to predict tails) or 'tail' "
                         "(to predict heads)" % where)
    side = "head" if "head" in q else "tail"
    extra = sorted(set(q) - {side, "relation"})
    if where and extra:
        raise BadRequest("%sunknown field '%s' (a query holds 'head' or 'tail' and 'relation')" % (where, extra[0]))
    for name in (side, "relation"):
        if not (isinstance(q[name], str) or _is_int64(q[name])):
            raise BadRequest("%sfield '%s' must be a name or an id, got %s" % (where, name, _shown(q[name])))
    try:
        return side, kg.entity(q[side]), kg.relation(q["relation"]), q
    except gnnrec.NotFoundError as e:  # the library's message names it
        raise HttpError(404, where + e.message) from None


def _lookup(call, message):
    try:
        return call()
    except gnnrec.NotFoundError as e:
        raise HttpError(404, "%s (%s)" % (message, e.message)) from None


def _check_genres(model, filters):
    """An unknown genre is a bad request, not a missing resource."""
    if "genres" in filters and filters["genres"]:
        try:
            filters["genres"] = model.graph.genre_mask(filters["genres"])
        except gnnrec.NotFoundError as e:
            raise BadRequest(e.message) from None


# ---- the server -----------------------------------------------------------------------

class TripleCatalog:
    """The names of a knowledge-graph model trained on triples, for the
    page: its relations, and a search of its entities by name."""

    def __init__(self, kg):
        self.names = [kg.entity_name(e) for e in range(kg.num_entities)]
        self.relations = [kg.relation_name(r) for r in range(kg.num_relations)]
        self._folded = [n.casefold() for n in self.names]

    def search(self, q, limit):
        """Up to limit names holding q, case-insensitive: those starting
        with it first, each group in id order."""
        q = q.casefold()
        starts, holds = [], []
        for name, folded in zip(self.names, self._folded):
            if folded.startswith(q):
                starts.append(name)
                if len(starts) == limit:
                    break
            elif q in folded and len(holds) < limit:
                holds.append(name)
        return (starts + holds)[:limit]


class Serving:
    """What the service answers with for one loaded model: the model, its
    catalog and explainer, some user ids for the page, and the map (made
    on first use)."""

    def __init__(self, model):
        self.model = model
        self.catalog = Catalog(model.graph)
        self.named = self.catalog.named
        self.kg = model.kg if model.kind in KG_KINDS else None
        # a model of triples (not of a user-item graph): the page asks it link-prediction queries
        self.triples = TripleCatalog(self.kg) if self.kg is not None and model.graph.num_users == 0 else None
        self.explainer = Explainer(model, self.catalog)
        self.sample_users = [self.shown_user(u) for u in model.graph.user_ids()[:SAMPLE_USERS]]
        self._map = None
        self._map_lock = threading.Lock()

    def shown_user(self, user):
        """A user as responses show it: its name where ids are names, else its id."""
        return self.model.graph.user_name(user) if self.named else user

    def describe(self):
        m = self.model
        out = {"model": m.kind, "dim": m.dim, "users": m.graph.num_users, "items": m.graph.num_items,
               "library": gnnrec.version_string()}
        if self.kg is not None:
            out.update(entities=self.kg.num_entities, relations=self.kg.num_relations, triples=self.kg.num_triples)
        return out

    def item_map(self):
        """The /map response (JSON bytes), computed on first use."""
        with self._map_lock:
            if self._map is None:
                self._map = json.dumps(_item_map(self.model, self.catalog)).encode()
            return self._map


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, model, host, port, verbose, path=None):
        super().__init__((host, port), Handler)
        try:
            self.serving = Serving(model)
            self.path = path
            self.verbose = verbose
            self.static_files = set(os.listdir(WEB)) if os.path.isdir(WEB) else set()
            self._reload_lock = threading.Lock()
        except BaseException:
            self.server_close()  # the socket is bound already
            raise

    def reload(self):
        """Load the model file again and serve it from the next request on;
        returns the new Serving.  HttpError 409 without a file, 500 (the
        old model still served) when it cannot be loaded."""
        if self.path is None:
            raise HttpError(409, "this service was given a model, not a file: there is nothing to reload")
        with self._reload_lock:  # one reload at a time; requests go on meanwhile
            try:
                serving = Serving(gnnrec.Model.load(self.path))
            except gnnrec.GnnrecError as e:
                raise HttpError(500, "cannot reload %s: %s; still serving the model loaded before"
                                % (self.path, e)) from None
            self.serving = serving
            return serving

    def handle_error(self, request, client_address):
        """One line for a client that went away; a traceback for anything else."""
        e = sys.exc_info()[1]
        if isinstance(e, (ConnectionError, TimeoutError, socket.timeout)):
            if self.verbose:
                sys.stderr.write("client %s went away: %s\n" % (client_address[0], e.__class__.__name__))
            return
        super().handle_error(request, client_address)


def _item_map(model, catalog):
    ids = model.graph.item_ids()
    xs, ys, shares = service_projection.project(model.item_vectors(), model.dim)
    rounded = [[catalog.shown(i), round(x, 5), round(y, 5), catalog.first_genre(i)] for i, x, y in zip(ids, xs, ys)]
    return {"method": "pca", "explained": [round(s, 4) for s in shares], "genres": catalog.genres,
            "columns": ["item", "x", "y", "genre"], "items": rounded}


def make_server(model, host="127.0.0.1", port=0, verbose=False, path=None):
    """A server bound to (host, port) serving `model`; port 0 picks a free
    one.  `path`, the file the model came from, is what POST /reload and
    SIGHUP load again."""
    return Server(model, host, port, verbose, path)


def _reload_on_sighup(server):
    """SIGHUP reloads the model file, in a thread of its own: the handler
    runs on the main thread, which accepts the connections."""
    def reload_logged():
        try:
            server.reload()
            sys.stderr.write("service: reloaded %s\n" % server.path)
        except HttpError as e:
            sys.stderr.write("service: %s\n" % e)

    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=reload_logged, daemon=True).start())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="The page is at http://HOST:PORT/ once the service runs.")
    ap.add_argument("--model", required=True, help="a model file saved by gnnrec (POST /reload or SIGHUP reads it again)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)
    if gnnrec is None:
        sys.stderr.write("service: %s\n" % _import_error)
        sys.exit(3)
    try:
        model = gnnrec.Model.load(args.model)
    except gnnrec.GnnrecError as e:
        sys.exit("service: cannot load %s: %s" % (args.model, e))
    server = make_server(model, args.host, args.port, args.verbose, path=args.model)
    del model  # the server holds what it serves; a reload replaces it
    _reload_on_sighup(server)
    with server:
        host, port = server.server_address[:2]
        print("listening on http://%s:%d" % (host, port), flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
