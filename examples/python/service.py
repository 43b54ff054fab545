#!/usr/bin/env python3
"""A recommendation service over HTTP: one loaded model, many concurrent requests.

    python3 service.py --model model.gnr [--host 127.0.0.1] [--port 8080]

Endpoints (JSON in, JSON out):
    GET  /health      {"status": "ok", "model": "lightgcn", "users": ..., "items": ..., ...}
    POST /recommend   {"user_id": 1, "k": 10, "genres": ["Comedy"], "year_min": 1990,
                       "year_max": 1999, "min_score": 0.5, "exclude_seen": true, "least": false}
                      or {"liked": [1, 50, 181], "k": 10, ...} for a user the model has not seen
    POST /similar     {"item_id": 50, "k": 10, <the same filters>}
Errors are {"error": message}: 400 for malformed JSON or a bad field, 404 for
an unknown user, item or path, 405 for a wrong method, 413 for a body over 1 MiB.

Each connection is served by its own thread (ThreadingHTTPServer); the
model is immutable and the library's calls are thread-safe and release the
GIL, so requests run in parallel on one shared model.  Uses only the
standard library and the gnnrec ctypes binding.
"""

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:
    import gnnrec
except ModuleNotFoundError:  # not installed: the package in this source tree (python/)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, "python"))
    import gnnrec  # noqa: E402

MAX_BODY = 1 << 20
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
FILTERS = ("genres", "year_min", "year_max", "min_score", "exclude_seen", "least")


class BadRequest(Exception):
    """A request the client must fix: answered with 400."""


def _int_field(body, name, default=None, low=None):
    value = body.get(name, default)
    if value is None:
        raise BadRequest("missing field '%s'" % name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest("field '%s' must be an integer, got %s" % (name, json.dumps(value)))
    if low is not None and value < low:
        raise BadRequest("field '%s' must be at least %d, got %d" % (name, low, value))
    if not INT64_MIN <= value <= INT64_MAX:
        raise BadRequest("field '%s' is out of the 64-bit range" % name)
    return value


def _filters(body):
    out = {}
    for name in FILTERS:
        if name not in body or body[name] is None:
            continue
        value = body[name]
        if name == "genres":
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(g, str) for g in value):
                raise BadRequest("field 'genres' must be a list of genre names")
        elif name in ("exclude_seen", "least"):
            if not isinstance(value, bool):
                raise BadRequest("field '%s' must be true or false" % name)
        elif name == "min_score":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise BadRequest("field 'min_score' must be a number")
        else:
            value = _int_field(body, name)
        out[name] = value
    return out


def _items(recs):
    return [{"item": r.item, "score": round(r.score, 6), "title": r.title} for r in recs]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients may reuse connections
    server_version = "gnnrec-service/" + gnnrec.__version__

    # ---- plumbing --------------------------------------------------------------

    def _send(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status, message):
        self._send(status, {"error": message})

    def _body(self):
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise BadRequest("bad Content-Length") from None
        if length > MAX_BODY:
            self.close_connection = True  # the body is not read
            raise _TooLarge()
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise BadRequest("malformed JSON: %s" % e) from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        return body

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    # ---- routes ----------------------------------------------------------------

    def do_GET(self):
        if self.path == "/health":
            m = self.server.model
            g = m.graph
            self._send(200, {"status": "ok", "model": m.kind, "dim": m.dim, "users": g.num_users,
                             "items": g.num_items, "library": gnnrec.version_string()})
        elif self.path in ("/recommend", "/similar"):
            self._error(405, "use POST for %s" % self.path)
        else:
            self._error(404, "no such endpoint: %s" % self.path)

    def do_POST(self):
        routes = {"/recommend": self._recommend, "/similar": self._similar}
        route = routes.get(self.path)
        if route is None:
            self._error(405 if self.path == "/health" else 404,
                        "use GET for /health" if self.path == "/health" else "no such endpoint: %s" % self.path)
            return
        try:
            self._send(200, route(self._body()))
        except _TooLarge:
            self._error(413, "the body is larger than %d bytes" % MAX_BODY)
        except BadRequest as e:
            self._error(400, str(e))
        except _Unknown as e:
            self._error(404, str(e))
        except (gnnrec.InvalidArgumentError, gnnrec.RangeError) as e:
            self._error(400, e.message)
        except gnnrec.GnnrecError as e:
            self._error(500, e.message)

    def _recommend(self, body):
        m = self.server.model
        k = _int_field(body, "k", default=10, low=1)
        filters = _filters(body)
        _check_genres(m, filters)
        if "liked" in body:
            liked = body["liked"]
            if not isinstance(liked, list) or not all(
                    isinstance(i, int) and not isinstance(i, bool) and INT64_MIN <= i <= INT64_MAX for i in liked):
                raise BadRequest("field 'liked' must be a list of item ids")
            recs = _lookup(lambda: m.recommend_liked(liked, k, **filters), "a liked item is unknown")
            return {"liked": liked, "items": _items(recs)}
        user = _int_field(body, "user_id")
        recs = _lookup(lambda: m.recommend(user, k, **filters), "unknown user %d" % user)
        return {"user_id": user, "items": _items(recs)}

    def _similar(self, body):
        m = self.server.model
        item = _int_field(body, "item_id")
        k = _int_field(body, "k", default=10, low=1)
        filters = _filters(body)
        _check_genres(m, filters)
        recs = _lookup(lambda: m.similar_items(item, k, **filters), "unknown item %d" % item)
        return {"item_id": item, "items": _items(recs)}


class _TooLarge(Exception):
    pass


class _Unknown(Exception):
    """An unknown user or item: answered with 404."""


def _lookup(call, message):
    try:
        return call()
    except gnnrec.NotFoundError as e:
        raise _Unknown("%s (%s)" % (message, e.message)) from None


def _check_genres(model, filters):
    """An unknown genre is a bad request, not a missing resource."""
    if "genres" in filters and filters["genres"]:
        try:
            filters["genres"] = model.graph.genre_mask(filters["genres"])
        except gnnrec.NotFoundError as e:
            raise BadRequest(e.message) from None


def make_server(model, host="127.0.0.1", port=0, verbose=False):
    """A server bound to (host, port) serving `model`; port 0 picks a free one."""
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.model = model
    server.verbose = verbose
    return server


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="a model file saved by gnnrec")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    ap.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = ap.parse_args(argv)
    try:
        model = gnnrec.Model.load(args.model)
    except gnnrec.GnnrecError as e:
        sys.exit("service: cannot load %s: %s" % (args.model, e))
    with model, make_server(model, args.host, args.port, args.verbose) as server:
        host, port = server.server_address[:2]
        print("listening on http://%s:%d" % (host, port), flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
