"""The service's page in headless Chromium, driven over the DevTools protocol.

Skipped (with the reason printed) when no Chromium is installed; Debian:
apt-get install chromium.  Each test loads the page from a service on a
loopback port, sets the controls as a person would, and compares what the
page lists with what the model answers directly.
"""

import json
import unittest
import urllib.parse

import gnnrec

from . import devtools, serving, support

CHROMIUM = devtools.find_chromium()
WHY = {"cosine": "Nearest liked movies: ", "contributions": "Largest shares of the history's score "}
READY = "document.body.dataset.state !== 'loading' && Number(document.body.dataset.renders) > 0"

LIST_JS = """[...document.querySelectorAll('#%s li[data-item]')].map(li => ({
  item: Number(li.dataset.item), title: li.querySelector('.title').textContent,
  year: li.dataset.year ? Number(li.dataset.year) : null,
  genres: li.dataset.genres ? li.dataset.genres.split(',') : [],
  why: (li.querySelector('.why') || {}).textContent || ''}))"""


def tearDownModule():
    support.cleanup()


class BrowserTest(unittest.TestCase):
    """A model served on a free port and a headless browser, for a class of tests."""

    @classmethod
    def serve(cls, model):
        cls.model = model
        cls.server, cls.base = serving.start(cls.model)
        try:
            cls.browser = devtools.Browser(width=1280, height=900)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "browser", None) is not None:
            cls.browser.close()
            cls.browser = None
        serving.stop(cls.server)


@unittest.skipUnless(CHROMIUM, "no Chromium (apt-get install chromium, or set GNNREC_CHROMIUM)")
class PageTest(BrowserTest):
    @classmethod
    def setUpClass(cls):
        cls.serve(support.model())

    def setUp(self):
        self.browser.errors.clear()
        self.browser.network_errors.clear()
        self.failed_requests = 0  # the requests a test expects to fail
        self.browser.set_viewport(1280, 900)

    def tearDown(self):
        self.assertEqual(self.browser.errors, [], "errors in the page")
        self.assertEqual(len(self.browser.network_errors), self.failed_requests, self.browser.network_errors)

    # ---- helpers -------------------------------------------------------------------

    def open(self, query=""):
        self.browser.navigate(self.base + "/" + query)
        self.browser.wait_for(READY)

    def js(self, expression):
        return self.browser.evaluate(expression)

    def change(self, script):
        """Run a script that changes controls; wait for the page to redraw."""
        before = int(self.js("document.body.dataset.renders"))
        self.js("(() => { %s })()" % script)
        self.browser.wait_for("Number(document.body.dataset.renders) > %d && document.body.dataset.state !== "
                              "'loading'" % before)

    def listed(self, which):
        return self.js(LIST_JS % which)

    def query(self):
        return self.js("Object.fromEntries(new URLSearchParams(location.search))")

    def user(self):
        return self.model.graph.user_ids()[4]

    # ---- tests ---------------------------------------------------------------------

    def test_a_user_from_the_address(self):
        user = self.user()
        self.open("?user=%d" % user)
        self.assertEqual(self.js("document.body.dataset.state"), "ready")
        self.assertTrue(self.js("document.getElementById('error').hidden"))
        top, least = self.listed("top"), self.listed("least")
        want = self.model.recommend(user, k=10)
        self.assertEqual([r["title"] for r in top], [r.title for r in want])
        self.assertEqual([r["item"] for r in least], [r.item for r in self.model.recommend(user, k=10, least=True)])
        g = self.model.graph
        for r in top:
            self.assertEqual(r["genres"], g.item_genres(r["item"]))
            self.assertEqual(r["year"], g.item_year(r["item"]))
            self.assertTrue(r["why"].startswith(WHY[self.server.serving.explainer.method]), r["why"])
        self.assertIn("lightgcn", self.js("document.getElementById('model-info').textContent"))
        self.assertIn("User %d:" % user, self.js("document.getElementById('user-summary').textContent"))
        # the graph: one user, the recommended movies, edges from the explanations
        kinds = self.js("[...document.querySelectorAll('#graph .node')].map(n => n.dataset.kind)")
        self.assertEqual(kinds.count("user"), 1)
        self.assertEqual(kinds.count("rec"), 10)
        history = {i for i, _ in g.user_items(user)}
        liked_nodes = self.js("[...document.querySelectorAll('#graph .node[data-kind=liked]')]"
                              ".map(n => Number(n.dataset.item))")
        self.assertTrue(liked_nodes and set(liked_nodes) <= history)
        edges = self.js("[...document.querySelectorAll('#graph line[data-from]')].map(e => [Number(e.dataset.from),"
                        " Number(e.dataset.to)])")
        self.assertEqual(len(edges), 10 * min(3, len(history)))
        self.assertEqual({to for _, to in edges}, {r["item"] for r in top})

    def test_filters_are_applied_and_kept_in_the_address(self):
        user = self.user()
        self.open("?user=%d" % user)
        self.change("""
          document.querySelector('#genres input[value=Drama]').checked = true;
          document.getElementById('year-min').value = '1970';
          const k = document.getElementById('k'); k.value = '5';
          k.dispatchEvent(new Event('change', {bubbles: true}));""")
        top = self.listed("top")
        want = self.model.recommend(user, k=5, genres=["Drama"], year_min=1970)
        self.assertEqual([r["item"] for r in top], [r.item for r in want])
        self.assertTrue(0 < len(top) <= 5)
        for r in top + self.listed("least"):
            self.assertIn("Drama", r["genres"])
            self.assertGreaterEqual(r["year"], 1970)
        self.assertEqual(self.query(), {"user": str(user), "genres": "Drama", "year_min": "1970", "k": "5"})
        # the address opens the same view
        self.open("?" + self.js("location.search.slice(1)"))
        self.assertEqual([r["item"] for r in self.listed("top")], [r.item for r in want])
        self.assertTrue(self.js("document.querySelector('#genres input[value=Drama]').checked"))
        self.assertEqual(self.js("document.getElementById('k').value"), "5")

    def test_an_unknown_user_shows_an_error(self):
        self.open("?user=987654321")
        self.failed_requests = 3  # /recommend twice (top and least) and /users/987654321, all 404
        self.assertEqual(self.js("document.body.dataset.state"), "error")
        self.assertFalse(self.js("document.getElementById('error').hidden"))
        text = self.js("document.getElementById('error').textContent")
        self.assertIn("Unknown user", text)
        self.assertIn("987654321", text)
        self.assertEqual(self.listed("top"), [])
        self.assertTrue(self.js("document.getElementById('error').offsetHeight > 0"))
        # a bad filter is shown too, and a valid user clears the error
        self.change("const k = document.getElementById('k'); k.value = '0';"
                    "k.dispatchEvent(new Event('change', {bubbles: true}));")
        self.assertIn("K must be", self.js("document.getElementById('error').textContent"))
        self.change("document.getElementById('k').value = '3'; const u = document.getElementById('user');"
                    "u.value = '%d'; u.dispatchEvent(new Event('change', {bubbles: true}));" % self.user())
        self.assertTrue(self.js("document.getElementById('error').hidden"))
        self.assertEqual(len(self.listed("top")), 3)

    def test_a_new_user_by_title_search(self):
        g = self.model.graph
        item = g.item_ids()[11]
        title = g.item_title(item)
        self.open()
        self.js("document.querySelector('input[name=mode][value=new]').click()")
        self.js("const s = document.getElementById('search'); s.value = %s;"
                "s.dispatchEvent(new Event('input', {bubbles: true}))" % json.dumps(title))
        self.browser.wait_for("!!document.querySelector('#search-results button[data-item=\"%d\"]')" % item)
        self.change("document.querySelector('#search-results button[data-item=\"%d\"]').click()" % item)
        self.assertEqual(self.js("[...document.querySelectorAll('#liked li')].map(l => Number(l.dataset.item))"),
                         [item])
        top = self.listed("top")
        self.assertEqual([r["item"] for r in top], [r.item for r in self.model.recommend_liked([item], 10)])
        self.assertEqual(self.query(), {"liked": str(item)})
        self.assertEqual(self.js("document.querySelectorAll('#graph .node[data-kind=liked]').length"), 1)
        # the address opens the same new user, the liked movie named
        self.open("?liked=%d" % item)
        self.assertEqual(self.js("document.querySelector('input[name=mode]:checked').value"), "new")
        self.assertIn(title, self.js("document.getElementById('liked').textContent"))
        self.assertEqual([r["item"] for r in self.listed("top")], [r["item"] for r in top])
        # removing the only liked movie empties the lists without an error
        self.change("document.querySelector('#liked button').click()")
        self.assertEqual(self.listed("top"), [])
        self.assertTrue(self.js("document.getElementById('error').hidden"))

    def test_the_map_marks_the_recommendations(self):
        user = self.user()
        self.open("?user=%d&k=6" % user)
        self.browser.wait_for("document.body.dataset.map === 'ready'")
        g = self.model.graph
        self.assertEqual(self.js("document.querySelectorAll('#map circle.dot').length"), g.num_items)
        marked = self.js("[...document.querySelectorAll('#map .mark')].map(m => Number(m.dataset.item))")
        self.assertEqual(sorted(marked), sorted(r.item for r in self.model.recommend(user, k=6)))
        self.assertEqual(self.js("document.querySelectorAll('#map .mark-liked').length"), len(g.user_items(user)))
        colours = self.js("new Set([...document.querySelectorAll('#map circle.dot')].map(c => c.getAttribute('fill')))"
                          ".size")
        self.assertGreater(colours, 1)
        self.assertEqual(self.js("document.querySelectorAll('#legend li').length"), len(g.genre_names()))

    def test_a_narrow_screen(self):
        self.browser.set_viewport(390, 844, mobile=True)
        self.open("?user=%d" % self.user())
        self.browser.wait_for("document.body.dataset.map === 'ready'")
        self.assertLessEqual(self.js("document.documentElement.scrollWidth"), self.js("window.innerWidth"))
        # one column: the results come below the settings
        self.assertGreater(self.js("document.getElementById('top').getBoundingClientRect().top"),
                           self.js("document.getElementById('controls').getBoundingClientRect().bottom"))
        self.assertEqual(len(self.listed("top")), 10)

    def test_controls_have_labels(self):
        self.open("?user=%d" % self.user())
        unlabelled = self.js("""[...document.querySelectorAll('input')].filter(i =>
            !(i.labels && i.labels.length) && !i.getAttribute('aria-label')).map(i => i.id || i.name)""")
        self.assertEqual(unlabelled, [])
        self.assertEqual(self.js("document.documentElement.lang"), "en")


@unittest.skipUnless(CHROMIUM, "no Chromium (apt-get install chromium, or set GNNREC_CHROMIUM)")
class NamesPageTest(BrowserTest):
    """A model whose ids are names: the address keeps the liked names, the
    lists and the map show them."""

    @classmethod
    def setUpClass(cls):
        cls.serve(support.names_model("page-names.csv", '"sku %d, blue"'))

    def tearDown(self):
        self.assertEqual(self.browser.errors, [], "errors in the page")

    def js(self, expression):
        return self.browser.evaluate(expression)

    def test_liked_names_in_the_address(self):
        liked = ["sku 1, blue", "sku 7, blue"]
        self.browser.navigate(self.base + "/?" + urllib.parse.urlencode([("liked", n) for n in liked]))
        self.browser.wait_for(READY + " && document.body.dataset.map === 'ready'")
        self.assertEqual(self.js("document.querySelector('input[name=mode]:checked').value"), "new")
        self.assertEqual(self.js("[...document.querySelectorAll('#liked li')].map(l => l.dataset.item)"), liked)
        g = self.model.graph
        want = [g.item_name(r.item) for r in self.model.recommend_liked([gnnrec.name_id(n) for n in liked], 10)]
        self.assertEqual(self.js("[...document.querySelectorAll('#top li[data-item]')].map(l => l.dataset.item)"), want)
        self.assertEqual(self.js("new URLSearchParams(location.search).getAll('liked')"), liked)
        marked = self.js("[...document.querySelectorAll('#map .mark')].map(m => m.dataset.item)")
        self.assertEqual(sorted(marked), sorted(want))
        self.assertEqual(self.js("document.querySelectorAll('#map .mark-liked').length"), len(liked))


@unittest.skipUnless(CHROMIUM, "no Chromium (apt-get install chromium, or set GNNREC_CHROMIUM)")
class LinksPageTest(BrowserTest):
    """A knowledge-graph model trained on triples: the page asks it which
    entities complete a triple, the query in the address."""

    @classmethod
    def setUpClass(cls):
        heads, rels, tails = [], [], []
        for i in range(30):
            a, b = "node %d" % i, "node %d" % ((i + 1) % 30)
            heads += [a, b]
            rels += ["next", "prev"]
            tails += [b, a]
        with gnnrec.KnowledgeGraph.from_triples(heads, rels, tails) as kg, gnnrec.Trainer(
                "rotate", dim=8, epochs=20, lr=0.05, batch=16, negatives=8, threads=1) as t:
            cls.serve(t.fit(kg))

    def setUp(self):
        self.browser.errors.clear()

    def tearDown(self):
        self.assertEqual(self.browser.errors, [], "errors in the page")

    def js(self, expression):
        return self.browser.evaluate(expression)

    def open(self, query):
        self.browser.navigate(self.base + "/" + query)
        self.browser.wait_for(READY)

    def listed(self):
        return self.js("[...document.querySelectorAll('#links li[data-entity]')].map(li => li.dataset.entity)")

    def change(self, script):
        before = int(self.js("document.body.dataset.renders"))
        self.js("(() => { %s })()" % script)
        self.browser.wait_for("Number(document.body.dataset.renders) > %d && document.body.dataset.state !== "
                              "'loading'" % before)

    def test_a_query_from_the_address(self):
        self.open("?" + urllib.parse.urlencode({"entity": "node 3", "relation": "next", "k": 5, "known": 1}))
        self.assertTrue(self.js("document.getElementById('rec-view').hidden"))
        self.assertFalse(self.js("document.getElementById('links-view').hidden"))
        want = [x.name for x in self.model.predict_tails("node 3", "next", k=5, exclude_training=False)]
        self.assertEqual(self.listed(), want)
        self.assertEqual(self.js("document.getElementById('links-query').textContent"), "(node 3, next, ?)")
        self.assertEqual(self.js("[...document.querySelectorAll('#relation option')].map(o => o.value)"),
                         ["next", "prev"])

    def test_heads_and_the_filter_are_kept_in_the_address(self):
        self.open("?" + urllib.parse.urlencode({"entity": "node 8", "relation": "prev"}))
        self.change("document.querySelector('input[name=direction][value=heads]').click()")
        want = [x.name for x in self.model.predict_heads("node 8", "prev", k=10)]
        self.assertEqual(self.listed(), want)
        q = self.js("Object.fromEntries(new URLSearchParams(location.search))")
        self.assertEqual((q["entity"], q["relation"], q["direction"]), ("node 8", "prev", "heads"))
        self.assertNotIn("known", q)
        self.change("document.getElementById('exclude-known').click()")
        want = [x.name for x in self.model.predict_heads("node 8", "prev", k=10, exclude_training=False)]
        self.assertEqual(self.listed(), want)
        self.assertEqual(self.js("new URLSearchParams(location.search).get('known')"), "1")

    def test_an_unknown_entity_shows_an_error(self):
        self.open("?" + urllib.parse.urlencode({"entity": "nobody", "relation": "next"}))
        self.assertEqual(self.js("document.body.dataset.state"), "error")
        self.assertIn("nobody", self.js("document.getElementById('link-error').textContent"))
        self.assertEqual(self.listed(), [])
        # typing offers the entities holding the text
        self.js("(() => { const e = document.getElementById('entity'); e.value = 'ode 2';"
                " e.dispatchEvent(new Event('input', {bubbles: true})); })()")
        self.browser.wait_for("document.querySelectorAll('#entity-names option').length === 11")
        names = self.js("[...document.querySelectorAll('#entity-names option')].map(o => o.value)")
        self.assertEqual(sorted(names), sorted(["node 2"] + ["node %d" % i for i in range(20, 30)]))


if __name__ == "__main__":
    unittest.main()
