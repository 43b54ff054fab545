"""The HTTP service example on a loopback port."""

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import unittest

import service

from . import support

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tearDownModule():
    support.cleanup()


class ServiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model = support.model()
        cls.server = service.make_server(cls.model, "127.0.0.1", 0)
        cls.port = cls.server.server_address[1]
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        cls.thread.join(10)

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

    def test_a_bad_model_file_is_reported(self):
        path = os.path.join(support.tmpdir(), "not-a-model.gnr")
        with open(path, "w") as f:
            f.write("hello\n")
        proc = subprocess.run([sys.executable, os.path.join(HERE, "service.py"), "--model", path],
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("not-a-model.gnr", proc.stderr)


if __name__ == "__main__":
    unittest.main()
