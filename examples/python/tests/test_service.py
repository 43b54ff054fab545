"""The HTTP service example on a loopback port."""

import http.client
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import unittest

import gnnrec
import service

from . import serving, support

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tearDownModule():
    support.cleanup()


class ServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = support.model()
        cls.server, _ = serving.start(cls.model)
        cls.port = cls.server.server_address[1]

    @classmethod
    def tearDownClass(cls):
        serving.stop(cls.server)

    def request(self, method, path, body=None, raw=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
            headers = {"Content-Type": "application/json"} if data is not None else {}
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            payload = json.loads(resp.read().decode())
            return resp.status, payload
        finally:
            conn.close()

    def exchange(self, method, path, body=None, headers=None):
        """(status, headers, raw body bytes) of one request."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def raw(self, data):
        """(status, headers, JSON body) of a request written byte for byte."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(data)
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = s.recv(65536)
                self.assertTrue(chunk, "no response to %r: %r" % (data[:80], reply))
                reply += chunk
            head, rest = reply.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
            length = int(headers.get("content-length", "0"))
            while len(rest) < length:
                chunk = s.recv(65536)
                if not chunk:
                    break
                rest += chunk
            return int(lines[0].split()[1]), headers, json.loads(rest[:length]) if length else None

    def post_raw(self, headers, body=b""):
        return self.raw(b"POST /recommend HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n" + body)

    def test_health(self):
        status, body = self.request("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["model"], "lightgcn")
        self.assertEqual(body["items"], self.model.graph.num_items)

    def test_recommend_matches_the_model(self):
        user = self.model.graph.user_ids()[4]
        status, body = self.request("POST", "/recommend", {"user_id": user, "k": 7})
        self.assertEqual(status, 200)
        self.assertEqual(body["user_id"], user)
        expected = self.model.recommend(user, k=7)
        self.assertEqual([r["item"] for r in body["items"]], [r.item for r in expected])
        self.assertEqual([r["title"] for r in body["items"]], [r.title for r in expected])

    def test_filters_apply(self):
        user = self.model.graph.user_ids()[4]
        status, body = self.request("POST", "/recommend", {"user_id": user, "k": 5, "genres": ["Drama"],
                                                           "year_min": 1970, "exclude_seen": True})
        self.assertEqual(status, 200)
        self.assertTrue(body["items"])
        g = self.model.graph
        for r in body["items"]:
            self.assertIn("Drama", g.item_genres(r["item"]))
            self.assertGreaterEqual(g.item_year(r["item"]), 1970)

    def test_new_user_by_liked_items(self):
        liked = self.model.graph.item_ids()[:3]
        status, body = self.request("POST", "/recommend", {"liked": liked, "k": 4})
        self.assertEqual(status, 200)
        self.assertEqual([r["item"] for r in body["items"]], [r.item for r in self.model.recommend_liked(liked, 4)])

    def test_similar(self):
        item = self.model.graph.item_ids()[0]
        status, body = self.request("POST", "/similar", {"item_id": item, "k": 3})
        self.assertEqual(status, 200)
        self.assertEqual(len(body["items"]), 3)
        self.assertNotIn(item, [r["item"] for r in body["items"]])

    def test_unknown_user_and_item_are_404(self):
        status, body = self.request("POST", "/recommend", {"user_id": 10 ** 9, "k": 5})
        self.assertEqual(status, 404)
        self.assertIn(str(10 ** 9), body["error"])
        status, _ = self.request("POST", "/similar", {"item_id": 10 ** 9})
        self.assertEqual(status, 404)
        status, _ = self.request("GET", "/nowhere")
        self.assertEqual(status, 404)

    def test_malformed_requests_are_400(self):
        cases = [
            (b"{not json", "malformed JSON"),
            (b"[1, 2]", "JSON object"),
            (json.dumps({"k": 5}).encode(), "user_id"),
            (json.dumps({"user_id": "one"}).encode(), "user_id"),
            (json.dumps({"user_id": 1, "k": 0}).encode(), "'k'"),
            (json.dumps({"user_id": 1, "k": 10 ** 7}).encode(), "out of range"),
            (json.dumps({"user_id": 1, "genres": ["Space Opera"]}).encode(), "Space Opera"),
            (json.dumps({"user_id": 1, "year_min": 2000, "year_max": 1990}).encode(), "year"),
            (json.dumps({"liked": "1,2"}).encode(), "liked"),
            (b"\xff\xfe", "malformed JSON"),
            (json.dumps({"user_id": 2 ** 70}).encode(), "64-bit"),
            (json.dumps({"liked": [1, 2 ** 70]}).encode(), "liked"),
            (json.dumps({"user_id": 1, "k": 10 ** 15}).encode(), "out of range"),
            (b'{"user_id": 1, "min_score": NaN}', "NaN"),
        ]
        for raw, words in cases:
            with self.subTest(raw=raw):
                status, body = self.request("POST", "/recommend", raw=raw)
                self.assertEqual(status, 400)
                self.assertIn(words, body["error"])

    def test_the_page_and_its_files(self):
        status, headers, data = self.exchange("GET", "/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn(b'<script src="/static/app.js"', data)
        for name, kind in [("app.js", "text/javascript"), ("style.css", "text/css")]:
            status, headers, data = self.exchange("GET", "/static/" + name)
            self.assertEqual(status, 200)
            self.assertTrue(headers["Content-Type"].startswith(kind))
            with open(os.path.join(HERE, "web", name), "rb") as f:
                self.assertEqual(data, f.read())
        for path in ("/static/../service.py", "/static/%2e%2e/service.py", "/static/nothing.js", "/static/"):
            self.assertEqual(self.exchange("GET", path)[0], 404, path)
        self.assertEqual(self.exchange("GET", "/?user=1&genres=Drama")[0], 200)

    def test_catalog(self):
        status, body = self.request("GET", "/catalog")
        self.assertEqual(status, 200)
        g = self.model.graph
        self.assertEqual(body["genres"], g.genre_names())
        self.assertEqual(body["user_ids"], g.user_ids()[:service.SAMPLE_USERS])
        years = [g.item_year(i) for i in g.item_ids() if g.item_year(i)]
        self.assertEqual((body["year_min"], body["year_max"]), (min(years), max(years)))
        self.assertIn(body["explanations"]["method"], ("contributions", "cosine"))

    def test_title_search(self):
        g = self.model.graph
        item = g.item_ids()[7]
        title = g.item_title(item)
        words = title.split()[-2:]  # e.g. "17 (1994)"
        status, body = self.request("GET", "/items?limit=100&q=" + "+".join(words).replace("(", "%28"))
        self.assertEqual(status, 200)
        found = [r["item"] for r in body["items"]]
        self.assertIn(item, found)
        for r in body["items"]:
            for w in words:
                self.assertIn(w.lower(), r["title"].lower())
        hit = body["items"][found.index(item)]
        self.assertEqual((hit["year"], hit["genres"]), (g.item_year(item), g.item_genres(item)))
        self.assertEqual(len(self.request("GET", "/items?q=film&limit=3")[1]["items"]), 3)
        self.assertEqual(self.request("GET", "/items?q=")[1]["items"], [])
        self.assertEqual(self.request("GET", "/items?q=%d" % item)[1]["items"][0]["item"], item)
        for query in ("limit=0", "limit=1000", "limit=x"):
            status, body = self.request("GET", "/items?q=a&" + query)
            self.assertEqual(status, 400)
            self.assertIn("limit", body["error"])

    def test_user_history(self):
        g = self.model.graph
        user = g.user_ids()[3]
        status, body = self.request("GET", "/users/%d" % user)
        self.assertEqual(status, 200)
        self.assertEqual([r["item"] for r in body["items"]], [i for i, _ in g.user_items(user)])
        self.assertEqual(body["info"], g.user_info(user))
        self.assertEqual(self.request("GET", "/users/%d" % 10 ** 9)[0], 404)
        self.assertEqual(self.request("GET", "/users/abc")[0], 400)
        self.assertEqual(self.request("GET", "/users/%d" % 2 ** 70)[0], 400)

    def test_map_is_the_pca_of_the_item_vectors(self):
        status, body = self.request("GET", "/map")
        self.assertEqual(status, 200)
        self.assertEqual(self.request("GET", "/map")[1], body)  # cached
        g = self.model.graph
        self.assertEqual([r[0] for r in body["items"]], g.item_ids())
        self.assertEqual(body["genres"], g.genre_names())
        first, second = body["explained"]
        self.assertGreaterEqual(first, second)
        self.assertGreater(second, 0)
        self.assertLessEqual(first + second, 1.0 + 1e-9)
        # the coordinates are the data's projections on two orthogonal unit
        # axes: their variances are the top two eigenvalues of the covariance
        rows = [[float(a) for a in r] for r in self.model.item_vectors().tolist()]
        n, d = len(rows), len(rows[0])
        mean = [sum(r[j] for r in rows) / n for j in range(d)]
        rows = [[a - m for a, m in zip(r, mean)] for r in rows]
        total = sum(a * a for r in rows for a in r)
        xs = [r[1] for r in body["items"]]
        ys = [r[2] for r in body["items"]]
        self.assertAlmostEqual(sum(x * x for x in xs) / total, first, places=3)
        self.assertAlmostEqual(sum(x * y for x, y in zip(xs, ys)) / total, 0.0, places=3)
        # no other direction has more variance than the first: try the rows themselves
        for r in rows[:20]:
            norm = sum(a * a for a in r) ** 0.5
            proj = [sum(a * b for a, b in zip(row, r)) / norm for row in rows]
            self.assertLessEqual(sum(p * p for p in proj) / total, first + 1e-3)
        genres = g.genre_names()
        for item, _, _, genre in body["items"][:30]:
            self.assertEqual(genres[genre] if genre >= 0 else None, (g.item_genres(item) or [None])[0])

    def explained(self, body):
        status, reply = self.request("POST", "/recommend", dict(body, explain=True))
        self.assertEqual(status, 200)
        return reply["items"]

    def test_explanations(self):
        """Contributions where the library splits scores over liked items,
        else the liked items nearest by cosine; both checked by recomputing."""
        g = self.model.graph
        user = g.user_ids()[5]
        history = [i for i, _ in g.user_items(user)]
        liked = g.item_ids()[:2]
        method = self.server.serving.explainer.method
        self.assertEqual(self.request("GET", "/catalog")[1]["explanations"]["method"], method)
        for who, items in [({"user_id": user}, history), ({"liked": liked}, liked)]:
            with self.subTest(who=who, method=method):
                for r in self.explained(dict(who, k=4)):
                    e = r["explanation"]
                    self.assertEqual(e["method"], method)
                    self.assertEqual(r["genres"], g.item_genres(r["item"]))
                    if method == "contributions":
                        self.check_contributions(e, items, r["item"])
                    else:
                        self.check_cosine(e, items, r["item"])
        self.assertNotIn("explanation", self.request("POST", "/recommend", {"user_id": user, "k": 2})[1]["items"][0])

    def check_contributions(self, e, liked, item):
        # the fold-in score is the dot product of the fold-in vector and the
        # item's; the contributions are its largest additive parts
        f = self.model.fold_in(liked)
        v = self.model.item_vector(item)
        score = sum(float(a) * float(b) for a, b in zip(f, v))
        self.assertAlmostEqual(e["total"], score, delta=1e-4 * max(1.0, abs(score)))
        weights = [x["weight"] for x in e["items"]]
        self.assertEqual(weights, sorted(weights, reverse=True))
        self.assertEqual(len(e["items"]), min(3, len(set(liked))))
        self.assertTrue({x["item"] for x in e["items"]} <= set(liked))

    def check_cosine(self, e, liked, item):
        unit = {}
        for i in list(liked) + [item]:
            v = [float(a) for a in self.model.item_vector(i)]
            n = sum(a * a for a in v) ** 0.5
            unit[i] = [a / n for a in v]
        cos = sorted(((sum(a * b for a, b in zip(unit[h], unit[item])), h) for h in set(liked) if h != item),
                     reverse=True)
        self.assertEqual([x["item"] for x in e["items"]], [h for _, h in cos[:3]])
        for x, (c, _) in zip(e["items"], cos):
            self.assertAlmostEqual(x["weight"], c, places=5)

    def test_deeply_nested_json_is_400(self):
        status, body = self.request("POST", "/recommend", raw=b"[" * 100000)
        self.assertEqual(status, 400)
        self.assertIn("nested too deeply", body["error"])
        status, body = self.request("POST", "/recommend", raw=b'{"user_id": ' + b"[" * 5000 + b"]" * 5000 + b"}")
        self.assertEqual(status, 400)

    def test_other_methods_are_json_405_with_allow(self):
        for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
            with self.subTest(method=method):
                status, headers, data = self.exchange(method, "/recommend", body=b"{}")
                self.assertEqual(status, 405)
                self.assertEqual(headers["Allow"], "POST")
                self.assertEqual(headers["Content-Type"], "application/json")
                self.assertIn(method, json.loads(data)["error"])
                status, headers, _ = self.exchange(method, "/health")
                self.assertEqual((status, headers["Allow"]), (405, "GET, HEAD"))
        status, headers, data = self.exchange("HEAD", "/recommend")
        self.assertEqual((status, headers["Allow"], data), (405, "POST", b""))
        status, headers, data = self.exchange("HEAD", "/health")
        self.assertEqual((status, data), (200, b""))
        self.assertGreater(int(headers["Content-Length"]), 0)
        status, headers, data = self.exchange("GET", "/recommend")
        self.assertEqual((status, headers["Allow"]), (405, "POST"))
        status, headers, data = self.exchange("FROB", "/recommend")
        self.assertEqual(status, 501)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertIn("FROB", json.loads(data)["error"])
        self.assertEqual(self.exchange("PUT", "/nowhere")[0], 404)

    def test_an_unread_body_closes_the_connection(self):
        # a body the service does not read must not be taken for the next request
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\n\r\n"
                      b"GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
            reply = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:40])
        self.assertIn(b"Connection: close", reply)
        self.assertEqual(reply.count(b"HTTP/1.1 "), 1)

    def test_user_id_and_liked_together_is_400(self):
        user, liked = self.model.graph.user_ids()[0], self.model.graph.item_ids()[:2]
        status, body = self.request("POST", "/recommend", {"user_id": user, "liked": liked})
        self.assertEqual(status, 400)
        self.assertIn("either 'user_id'", body["error"])

    def test_an_empty_history_is_400(self):
        status, body = self.request("POST", "/recommend", {"liked": [], "k": 3})
        self.assertEqual(status, 400)
        self.assertIn("'liked' is empty", body["error"])

    def test_chunked_bodies_are_read(self):
        user = self.model.graph.user_ids()[2]
        plain = self.request("POST", "/recommend", {"user_id": user, "k": 4})
        data = json.dumps({"user_id": user, "k": 4}).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", "/recommend", body=iter([data[:7], data[7:9], data[9:]]),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            resp = conn.getresponse()
            self.assertEqual((resp.status, json.loads(resp.read())), plain)
            conn.request("GET", "/health")  # the same connection still works
            self.assertEqual(conn.getresponse().status, 200)
        finally:
            conn.close()
        body = json.dumps({"user_id": user, "k": 4}).encode()
        status, _, reply = self.post_raw(b"Transfer-Encoding: chunked\r\n",
                                         b"%x;ext=1\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(body), body))
        self.assertEqual((status, reply), plain)

    def test_bad_framing_is_named(self):
        cases = [
            (b"Content-Length: -1\r\n", b"", 400, "Content-Length"),
            (b"Content-Length: abc\r\n", b"", 400, "Content-Length"),
            (b"Content-Length: 5\r\nContent-Length: 6\r\n", b"{}", 400, "Content-Length"),
            (b"", b"", 411, "Content-Length"),
            (b"Content-Length: %d\r\n" % (service.MAX_BODY + 1), b"", 413, "larger than"),
            (b"Transfer-Encoding: chunked\r\n", b"zz\r\n{}\r\n0\r\n\r\n", 400, "chunk size"),
            (b"Transfer-Encoding: chunked\r\n", b"2\r\n{}XX0\r\n\r\n", 400, "CRLF"),
            (b"Transfer-Encoding: chunked\r\n", b"%x\r\n" % (service.MAX_BODY + 1), 413, "larger than"),
            (b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", b"{}", 400, "Transfer-Encoding"),
            (b"Transfer-Encoding: gzip\r\n", b"", 501, "gzip"),
            (b"Content-Length: 0\r\n", b"", 400, "empty"),
        ]
        for headers, body, want, words in cases:
            with self.subTest(headers=headers, body=body[:20]):
                status, reply_headers, reply = self.post_raw(headers, body)
                self.assertEqual(status, want)
                self.assertIn(words, reply["error"])
                if status != 400 or words != "empty":
                    self.assertEqual(reply_headers.get("connection"), "close")

    def test_every_field_is_checked(self):
        user, item = self.model.graph.user_ids()[0], self.model.graph.item_ids()[0]
        cases = [
            ("/recommend", {"user_id": user, "colour": "red"}, "unknown field 'colour'"),
            ("/recommend", {"user_id": user, "explain": "yes"}, "'explain'"),
            ("/recommend", {"user_id": user, "exclude_seen": 1}, "'exclude_seen'"),
            ("/recommend", {"user_id": user, "least": "no"}, "'least'"),
            ("/recommend", {"user_id": user, "genres": 5}, "'genres'"),
            ("/recommend", {"user_id": user, "genres": ["Drama", 1]}, "'genres'"),
            ("/recommend", {"user_id": user, "genres": [""]}, "'genres'"),
            ("/recommend", {"user_id": user, "genres": ["Dra\u0000ma"]}, "'genres'"),
            ("/recommend", {"user_id": user, "year_min": 1990.5}, "'year_min'"),
            ("/recommend", {"user_id": user, "year_min": -5}, "'year_min'"),
            ("/recommend", {"user_id": user, "year_max": 2 ** 32 + 1990}, "'year_max'"),
            ("/recommend", {"user_id": user, "min_score": "high"}, "'min_score'"),
            ("/recommend", {"user_id": user, "min_score": 10 ** 400}, "'min_score'"),
            ("/recommend", {"user_id": user, "k": "5"}, "'k'"),
            ("/recommend", {"user_id": user, "k": 5.0}, "'k'"),
            ("/recommend", {"user_id": user, "k": True}, "'k'"),
            ("/recommend", {"user_id": user, "k": 10 ** 18}, "out of range"),
            ("/recommend", {"user_id": user, "k": service.MAX_EXPLAINED + 1, "explain": True}, "'k'"),
            ("/recommend", {"user_id": None}, "user_id"),
            ("/recommend", {"user_id": 1.0}, "user_id"),
            ("/recommend", {"liked": [True]}, "liked"),
            ("/recommend", {"liked": [1.5]}, "liked"),
            ("/recommend", {"liked": {"1": 1}}, "liked"),
            ("/similar", {"item_id": item, "user_id": user}, "unknown field 'user_id'"),
            ("/similar", {"item_id": "1"}, "item_id"),
            ("/similar", {"item_id": item, "k": -1}, "'k'"),
        ]
        for path, body, words in cases:
            with self.subTest(path=path, body=body):
                status, reply = self.request("POST", path, body)
                self.assertEqual(status, 400)
                self.assertIn(words, reply["error"])
        for raw, words in [(b'{"user_id": 1, "min_score": 1e400}', "min_score"),
                           (b'{"user_id": 1, "min_score": -Infinity}', "Infinity"),
                           (b'{"user_id": 1, "genres": ["\\ud800"]}', "genres")]:
            with self.subTest(raw=raw):
                status, reply = self.request("POST", "/recommend", raw=raw)
                self.assertEqual(status, 400)
                self.assertIn(words, reply["error"])

    def test_the_widest_filters_are_accepted(self):
        user = self.model.graph.user_ids()[0]
        status, body = self.request("POST", "/recommend", {"user_id": user, "k": self.model.graph.num_items,
                                                           "year_min": 0, "year_max": 9999, "min_score": -1e30,
                                                           "exclude_seen": False, "least": True})
        self.assertEqual(status, 200)
        self.assertEqual(len(body["items"]), self.model.graph.num_items)

    def test_wrong_methods_are_405(self):
        self.assertEqual(self.request("GET", "/recommend")[0], 405)
        self.assertEqual(self.request("POST", "/health", {})[0], 405)

    def test_a_slow_client_does_not_block_others(self):
        # Connection A sends its headers and half its body, then stalls.  A
        # server handling one request at a time could not answer B now.
        body = json.dumps({"user_id": self.model.graph.user_ids()[0], "k": 3}).encode()
        a = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        try:
            a.sendall(b"POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(body) + body[:5])
            status, health = self.request("GET", "/health")
            self.assertEqual(status, 200)
            a.sendall(body[5:])
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = a.recv(4096)
                if not chunk:
                    break
                reply += chunk
            self.assertTrue(reply.startswith(b"HTTP/1.1 200"), reply[:40])
        finally:
            a.close()

    def test_concurrent_requests_from_one_model(self):
        users = self.model.graph.user_ids()[:24]
        expected = {u: [r.item for r in self.model.recommend(u, k=10)] for u in users}
        results, errors = {}, []

        def client(chunk):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                for u in chunk:  # several requests on one kept-alive connection
                    conn.request("POST", "/recommend", body=json.dumps({"user_id": u, "k": 10}),
                                 headers={"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    results[u] = [r["item"] for r in json.loads(resp.read())["items"]]
            except Exception as e:  # reported below, in the test's thread
                errors.append(repr(e))
            finally:
                conn.close()

        threads = [threading.Thread(target=client, args=(users[n::8],)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(results, expected)


class ServiceProcessTest(unittest.TestCase):
    """The service as deployed: its own process, a model file, a free port."""

    def test_start_serve_stop(self):
        path = os.path.join(support.tmpdir(), "service.gnr")
        support.model().save(path)
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "service.py"), "--model", path, "--port", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline()
            self.assertTrue(line.startswith("listening on http://127.0.0.1:"), line + proc.stderr.read()
                            if proc.poll() is not None else line)
            port = int(line.rsplit(":", 1)[1])
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/health")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertEqual(json.loads(resp.read())["status"], "ok")
            conn.close()
        finally:
            proc.terminate()
            proc.wait(30)
            proc.stdout.close()
            proc.stderr.close()

    def service(self, *args, env=None):
        return subprocess.run([sys.executable, os.path.join(HERE, "service.py")] + list(args),
                              capture_output=True, text=True, timeout=60, env=env)

    def test_help_works_without_the_library(self):
        env = dict(os.environ, GNNREC_LIBRARY=os.path.join(support.tmpdir(), "no-such-libgnnrec.so"))
        proc = self.service("--help", env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("--model", proc.stdout)
        proc = self.service("--model", "model.gnr", env=env)
        self.assertEqual(proc.returncode, 3)
        self.assertEqual(len(proc.stderr.strip().splitlines()), 1, proc.stderr)
        self.assertIn("cannot load libgnnrec", proc.stderr)
        self.assertIn("no-such-libgnnrec.so", proc.stderr)

    def test_clients_that_go_away_cost_one_line(self):
        path = os.path.join(support.tmpdir(), "service-log.gnr")
        support.model().save(path)
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "service.py"), "--model", path, "--port", "0",
                                 "--verbose"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
        reader.start()
        try:
            port = int(proc.stdout.readline().rsplit(":", 1)[1])
            head = b"POST /recommend HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
            chunked = b"POST /recommend HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"
            for data, reset in [(head + b'{"user_id"', False), (head + b'{"user_id"', True), (chunked, False),
                                (chunked, True)]:
                s = socket.create_connection(("127.0.0.1", port), timeout=30)
                s.sendall(data)
                if reset:  # close with RST rather than FIN
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            # Read the whole answer before closing: a socket closed with unread bytes is reset by the
            # kernel, and the service would rightly log a fifth client that went away.
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/health", headers={"Connection": "close"})
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
            conn.close()
            for _ in range(600):  # until the four connections are logged (or a traceback is)
                text = "".join(lines)
                if text.count("went away") >= 4 or "Traceback" in text:
                    break
                threading.Event().wait(0.05)
        finally:
            proc.terminate()
            proc.wait(30)
            reader.join(30)
            proc.stdout.close()
            proc.stderr.close()
        text = "".join(lines)
        self.assertNotIn("Traceback", text)
        self.assertEqual(text.count("went away"), 4, text)
        for line in lines:
            self.assertLess(len(line), 200, line)

    def test_a_bad_model_file_is_reported(self):
        path = os.path.join(support.tmpdir(), "not-a-model.gnr")
        with open(path, "w") as f:
            f.write("hello\n")
        proc = subprocess.run([sys.executable, os.path.join(HERE, "service.py"), "--model", path],
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("not-a-model.gnr", proc.stderr)


def json_request(server, method, path, body=None):
    """(status, decoded JSON) of one request to a served model."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read().decode())
    finally:
        conn.close()


class ServedModelTest(unittest.TestCase):
    """A service over the model make_model() returns, started once for the
    class; request() sends JSON to it."""

    @classmethod
    def make_model(cls):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        cls.model = cls.make_model()
        cls.server, _ = serving.start(cls.model)

    @classmethod
    def tearDownClass(cls):
        serving.stop(cls.server)
        cls.model.close()

    def request(self, method, path, body=None):
        return json_request(self.server, method, path, body)


class NamesTest(ServedModelTest):
    """A model whose ids are names: the service takes and shows the names."""

    @classmethod
    def make_model(cls):
        return support.names_model("names.csv", "sku %d")

    def test_requests_and_responses_speak_names(self):
        status, out = self.request("POST", "/recommend", {"user_id": "user-3", "k": 4, "explain": True})
        self.assertEqual(status, 200, out)
        self.assertEqual(out["user_id"], "user-3")
        g = self.model.graph
        want = [g.item_name(r.item) for r in self.model.recommend(gnnrec.name_id("user-3"), k=4)]
        self.assertEqual([r["item"] for r in out["items"]], want)
        self.assertTrue(all(e["item"].startswith("sku ") for r in out["items"] for e in r["explanation"]["items"]))
        status, out = self.request("POST", "/recommend", {"liked": ["sku 1", "sku 2"], "k": 3})
        self.assertEqual(status, 200, out)
        self.assertNotIn("sku 1", [r["item"] for r in out["items"]])
        status, out = self.request("POST", "/similar", {"item_id": "sku 7", "k": 2})
        self.assertEqual(status, 200, out)
        self.assertTrue(all(r["item"].startswith("sku ") for r in out["items"]))
        status, out = self.request("GET", "/users/user-3")
        self.assertEqual((status, out["user_id"], len(out["items"])), (200, "user-3", 6))
        status, out = self.request("GET", "/catalog")
        self.assertIn("user-0", out["user_ids"])
        status, out = self.request("GET", "/items?q=sku%2012")
        self.assertEqual(out["items"][0]["item"], "sku 12")
        status, out = self.request("GET", "/map")
        self.assertTrue(all(row[0].startswith("sku ") for row in out["items"]))

    def test_unknown_names_are_404_and_bad_ones_400(self):
        status, out = self.request("POST", "/recommend", {"user_id": "nobody"})
        self.assertEqual(status, 404, out)
        self.assertIn("nobody", out["error"])
        self.assertEqual(self.request("GET", "/users/nobody")[0], 404)
        self.assertEqual(self.request("POST", "/similar", {"item_id": ""})[0], 400)
        self.assertEqual(self.request("POST", "/recommend", {"liked": [["x"]]})[0], 400)


class LinksTest(ServedModelTest):
    """A knowledge-graph model trained on triples: POST /links predicts the
    entities that complete a triple, by name."""

    @classmethod
    def make_model(cls):
        heads, rels, tails = [], [], []
        for i in range(30):
            a, b = "n%d" % i, "n%d" % ((i + 1) % 30)
            heads += [a, b]
            rels += ["next", "prev"]
            tails += [b, a]
        with gnnrec.KnowledgeGraph.from_triples(heads, rels, tails) as kg, gnnrec.Trainer(
                "rotate", dim=8, epochs=20, lr=0.05, batch=16, negatives=8, threads=1) as t:
            return t.fit(kg)

    def test_health_counts_the_graph(self):
        status, out = self.request("GET", "/health")
        self.assertEqual((status, out["model"], out["entities"], out["relations"], out["triples"]),
                         (200, "rotate", 30, 2, 60))

    def test_links_by_name(self):
        status, out = self.request("POST", "/links", {"head": "n3", "relation": "next", "k": 30,
                                                      "exclude_training": False})
        self.assertEqual(status, 200, out)
        want = self.model.predict_tails("n3", "next", k=30, exclude_training=False)
        self.assertEqual([e["name"] for e in out["entities"]], [x.name for x in want])
        self.assertEqual([e["entity"] for e in out["entities"]], [x.entity for x in want])
        self.assertEqual((out["head"], out["relation"]), ("n3", "next"))
        # by default the training answer (n4) is left out
        status, out = self.request("POST", "/links", {"head": "n3", "relation": "next", "k": 30})
        self.assertEqual((status, len(out["entities"])), (200, 29))
        self.assertNotIn("n4", [e["name"] for e in out["entities"]])
        kg = self.model.kg
        status, out = self.request("POST", "/links", {"tail": kg.entity_id("n5"), "relation": "prev", "k": 3})
        self.assertEqual((status, len(out["entities"]), out["tail"]), (200, 3, kg.entity_id("n5")))

    def test_the_catalog_and_the_entity_search(self):
        status, out = self.request("GET", "/catalog")
        self.assertEqual(status, 200, out)
        kg = out["kg"]
        self.assertEqual((kg["entities"], kg["relations"]), (30, ["next", "prev"]))
        self.assertEqual(kg["entity_names"][:3], [self.model.kg.entity_name(e) for e in range(3)])
        status, out = self.request("GET", "/entities?q=N2&limit=5")
        self.assertEqual(status, 200, out)
        # names starting with the text first (case-insensitive), then those holding it
        self.assertEqual(out["entities"], ["n2", "n20", "n21", "n22", "n23"])
        status, out = self.request("GET", "/entities?q=9")
        self.assertEqual(out["entities"], ["n9", "n19", "n29"])
        status, out = self.request("GET", "/entities?limit=0")
        self.assertEqual(status, 400)

    def test_a_batch_of_queries(self):
        queries = [{"head": "n3", "relation": "next"}, {"tail": "n5", "relation": "prev"},
                   {"head": self.model.kg.entity_id("n9"), "relation": "next"}]
        status, out = self.request("POST", "/links", {"queries": queries, "k": 4, "exclude_training": False})
        self.assertEqual(status, 200, out)
        self.assertEqual(len(out["results"]), 3)
        for q, got in zip(queries, out["results"]):
            status, one = self.request("POST", "/links", dict(q, k=4, exclude_training=False))
            self.assertEqual((status, got), (200, one))
        self.assertEqual(out["results"][1]["tail"], "n5")
        for body, want, says in (({"queries": []}, 400, "1 to 1000"),
                                 ({"queries": {"head": "n1"}}, 400, "must be a list"),
                                 ({"queries": [{"head": "n1", "relation": "next"}] * 1001}, 400, "1 to 1000"),
                                 ({"queries": [{"head": "n1", "relation": "next"}, "n2"]}, 400, "queries[1]"),
                                 ({"queries": [{"head": "n1", "relation": "next", "k": 3}]}, 400, "unknown field 'k'"),
                                 ({"queries": [{"head": "n1", "relation": "next"}], "head": "n1"}, 400, "not both"),
                                 ({"queries": [{"head": "n1", "relation": "next"}, {"tail": "n1"}]}, 400,
                                  "queries[1]: send 'relation'"),
                                 ({"queries": [{"head": "n1", "relation": "next"}, {"head": "x", "relation": "next"}]},
                                  404, "queries[1]: unknown entity 'x'"),
                                 ({"queries": [{"head": "n1", "relation": "next"}, {"head": 99, "relation": 0}]},
                                  400, "query 1")):
            status, out = self.request("POST", "/links", body)
            self.assertEqual(status, want, (body, out))
            self.assertIn(says, out["error"])

    def test_bad_queries(self):
        for body, want in (({"head": "n1", "tail": "n2", "relation": "next"}, 400),
                           ({"head": "n1"}, 400),
                           ({"head": ["n1"], "relation": "next"}, 400),
                           ({"head": "n1", "relation": "next", "k": 31}, 400),
                           ({"head": "n1", "relation": "next", "exclude_training": "yes"}, 400),
                           ({"head": "nobody", "relation": "next"}, 404),
                           ({"head": "n1", "relation": "sideways"}, 404),
                           ({"head": "n1", "relation": "next", "genres": ["x"]}, 400)):
            status, out = self.request("POST", "/links", body)
            self.assertEqual(status, want, (body, out))
            self.assertIn("error", out)

    def test_an_interaction_model_has_no_links(self):
        server, _ = serving.start(support.model())
        try:
            status, out = json_request(server, "POST", "/links", {"head": "1", "relation": "liked"})
            self.assertEqual(status, 400)
            self.assertIn("needs a knowledge-graph model", out["error"])
            status, out = json_request(server, "GET", "/entities?q=1")
            self.assertEqual(status, 404)
            self.assertNotIn("kg", json_request(server, "GET", "/catalog")[1])
        finally:
            serving.stop(server)


class ReloadTest(unittest.TestCase):
    """POST /reload and SIGHUP: the model file read again and served from the
    next request on; a file that cannot be loaded leaves the old model."""

    def setUp(self):
        self.path = os.path.join(support.tmpdir(), "reload.gnr")
        support.model().save(self.path)
        self.first = gnnrec.Model.load(self.path)

    def request(self, port, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read().decode())
        finally:
            conn.close()

    def other_model(self):
        """An MF model of the same data: another kind, so that /health tells them apart."""
        _, _, train, _, _ = support.dataset()
        with gnnrec.Trainer("mf", dim=8, epochs=2, threads=1) as t:
            return t.fit(train)

    def test_reload_swaps_the_model_and_keeps_it_on_a_bad_file(self):
        server, _ = serving.start(self.first, path=self.path)
        port = server.server_address[1]
        try:
            before = server.serving
            with self.other_model() as mf:
                mf.save(self.path)
                user = mf.graph.user_ids()[3]
                expected = [r.item for r in mf.recommend(user, k=5)]
            status, body = self.request(port, "POST", "/reload", b"{}")
            self.assertEqual((status, body["status"], body["model"]), (200, "reloaded", "mf"))
            self.assertIsNot(server.serving, before)
            self.assertEqual(self.request(port, "GET", "/health")[1]["model"], "mf")
            status, body = self.request(port, "POST", "/recommend", json.dumps({"user_id": user, "k": 5}).encode())
            self.assertEqual([r["item"] for r in body["items"]], expected)
            # an empty body is {} for /reload alone; a field is refused
            self.assertEqual(self.request(port, "POST", "/reload", b"")[0], 200)
            status, body = self.request(port, "POST", "/reload", b'{"path": "/etc/passwd"}')
            self.assertEqual(status, 400)
            self.assertIn("unknown field 'path'", body["error"])
            # a damaged file: 500 naming it, and the model before still answers
            served = server.serving
            with open(self.path, "wb") as f:
                f.write(b"GNNREC not a model\n")
            status, body = self.request(port, "POST", "/reload", b"{}")
            self.assertEqual(status, 500)
            self.assertIn("reload.gnr", body["error"])
            self.assertIn("still serving", body["error"])
            self.assertIs(server.serving, served)
            self.assertEqual(self.request(port, "GET", "/health")[1]["model"], "mf")
        finally:
            serving.stop(server)

    def test_a_server_given_a_model_object_has_nothing_to_reload(self):
        server, _ = serving.start(self.first)
        try:
            status, body = self.request(server.server_address[1], "POST", "/reload", b"{}")
            self.assertEqual(status, 409)
            self.assertIn("nothing to reload", body["error"])
            self.assertEqual(self.request(server.server_address[1], "GET", "/reload")[0], 405)
        finally:
            serving.stop(server)

    @unittest.skipUnless(hasattr(signal, "SIGHUP"), "no SIGHUP on this system")
    def test_sighup_reloads_the_file(self):
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "service.py"), "--model", self.path, "--port",
                                 "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            port = int(proc.stdout.readline().rsplit(":", 1)[1])
            self.assertEqual(self.request(port, "GET", "/health")[1]["model"], "lightgcn")
            with self.other_model() as mf:
                mf.save(self.path)
            proc.send_signal(signal.SIGHUP)
            for _ in range(600):
                if self.request(port, "GET", "/health")[1]["model"] == "mf":
                    break
                threading.Event().wait(0.05)
            self.assertEqual(self.request(port, "GET", "/health")[1]["model"], "mf")
        finally:
            proc.terminate()
            proc.wait(30)
            err = proc.stderr.read()
            proc.stdout.close()
            proc.stderr.close()
        self.assertIn("reloaded", err)

    def tearDown(self):
        self.first.close()


class KGExplanationTest(ServedModelTest):
    """A KG model explains by gr_model_explain's paths."""

    @classmethod
    def make_model(cls):
        _, _, train, _, _ = support.dataset()
        with gnnrec.Trainer("transe", dim=16, epochs=5, threads=1) as t:
            return t.fit(train)

    def test_paths_from_the_user_to_each_item(self):
        g = self.model.graph
        user = g.user_ids()[0]
        conn = http.client.HTTPConnection("127.0.0.1", self.server.server_address[1], timeout=30)
        conn.request("POST", "/recommend", body=json.dumps({"user_id": user, "k": 5, "explain": True}))
        body = json.loads(conn.getresponse().read())
        conn.request("GET", "/catalog")
        self.assertEqual(json.loads(conn.getresponse().read())["explanations"]["method"], "paths")
        conn.close()
        history = {i for i, _ in g.user_items(user)}
        self.assertEqual(len(body["items"]), 5)
        some_liked = False
        for r in body["items"]:
            e = r["explanation"]
            self.assertEqual(e["method"], "paths")
            self.assertTrue(e["paths"])
            weights = [p["weight"] for p in e["paths"]]
            self.assertEqual(weights, sorted(weights, reverse=True))
            for p in e["paths"]:
                self.assertEqual(p["steps"][0][0], "user:%d" % user)
                self.assertIn("movie:%d" % r["item"], (p["steps"][-1][0], p["steps"][-1][2]))
                self.assertIn(g.item_title(r["item"]), p["text"])  # movies by title
                self.assertTrue(p["text"].startswith("user %d " % user), p["text"])
            self.assertTrue({x["item"] for x in e["items"]} <= history)
            some_liked = some_liked or bool(e["items"])
        self.assertTrue(some_liked)
        # a new user has no node in the knowledge graph: cosine of the item vectors
        why = self.server.serving.explainer.explain([body["items"][0]["item"]], liked=sorted(history)[:3])[0]
        self.assertEqual(why["method"], "cosine")


if __name__ == "__main__":
    unittest.main()
