"""Knowledge graphs from Python: loading, names, training, link prediction."""

import os
import unittest

import gnnrec

import support


def tearDownModule():
    support.cleanup()


def ring_triples():
    """A ring of 30 entities under "next", its inverse under "prev": (train, valid, test) lists."""
    rows = []
    for i in range(30):
        j = (i + 1) % 30
        rows.append(("n%d" % i, "next", "n%d" % j))
        rows.append(("n%d" % j, "prev", "n%d" % i))
    train = [t for k, t in enumerate(rows) if k % 10 not in (3, 7)]
    return train, [t for k, t in enumerate(rows) if k % 10 == 3], [t for k, t in enumerate(rows) if k % 10 == 7]


def write_triples(path, rows):
    with open(path, "w") as f:
        for h, r, t in rows:
            f.write("%s\t%s\t%s\n" % (h, r, t))
    return path


class KnowledgeGraphTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        d = support.tmpdir()
        train, valid, test = ring_triples()
        cls.rows = train
        cls.train = gnnrec.KnowledgeGraph.load(write_triples(os.path.join(d, "ring-train.txt"), train))
        cls.valid = gnnrec.KnowledgeGraph.load(write_triples(os.path.join(d, "ring-valid.txt"), valid), like=cls.train)
        cls.test = gnnrec.KnowledgeGraph.load(write_triples(os.path.join(d, "ring-test.txt"), test), like=cls.train)
        with gnnrec.Trainer("rotate", dim=8, epochs=30, lr=0.05, batch=32, negatives=16, threads=1) as t:
            cls.model = t.fit(cls.train, valid=cls.valid)

    def test_sizes_names_and_triples(self):
        g = self.train
        self.assertEqual((g.num_entities, g.num_relations, len(g)), (30, 2, len(self.rows)))
        self.assertEqual(self.valid.num_skipped, 0)
        h, r, t = g.triples()
        got = sorted((g.entity_name(int(a)), g.relation_name(int(b)), g.entity_name(int(c))) for a, b, c in zip(h, r, t))
        self.assertEqual(got, sorted(self.rows))
        self.assertEqual(g.entity_name(g.entity_id("n7")), "n7")
        self.assertIsNone(g.entity_name(30))
        self.assertIn(self.rows[0], g)
        self.assertIn((g.entity_id(self.rows[0][0]), g.relation_id(self.rows[0][1]), g.entity_id(self.rows[0][2])), g)
        self.assertNotIn(("n0", "next", "n5"), g)
        self.assertNotIn(("nobody", "next", "n1"), g)
        with self.assertRaises(gnnrec.NotFoundError) as cm:
            g.relation_id("sideways")
        self.assertIn("sideways", str(cm.exception))

    def test_from_triples_and_write_round_trip(self):
        heads, rels, tails = zip(*self.rows)
        g = gnnrec.KnowledgeGraph.from_triples(list(heads), list(rels), list(tails))
        path = os.path.join(support.tmpdir(), "written.txt")
        g.write(path)
        again = gnnrec.KnowledgeGraph.load(path)
        self.assertEqual(sorted(zip(*[[again.entity_name(int(x)) for x in again.triples()[0]],
                                      [again.relation_name(int(x)) for x in again.triples()[1]],
                                      [again.entity_name(int(x)) for x in again.triples()[2]]])), sorted(self.rows))
        like = gnnrec.KnowledgeGraph.from_triples(["n1", "zz"], ["next", "next"], ["n2", "n3"], like=g)
        self.assertEqual((len(like), like.num_skipped), (1, 1))
        with self.assertRaises(ValueError):
            gnnrec.KnowledgeGraph.from_triples(["n1"], ["next"], [])

    def test_bad_lines_name_file_and_line(self):
        path = os.path.join(support.tmpdir(), "bad-triples.txt")
        with open(path, "w") as f:
            f.write("a\tr\tb\nc\td\n")
        with self.assertRaises(gnnrec.FormatError) as cm:
            gnnrec.KnowledgeGraph.load(path)
        self.assertIn("bad-triples.txt:2", str(cm.exception))

    def test_the_model_learns_the_ring(self):
        m = self.model.evaluate_link_prediction(self.test, known=[self.train, self.valid, self.test])
        self.assertEqual(sorted(m), sorted(gnnrec.LINK_METRICS))
        self.assertGreater(m["mrr"], 0.2)  # chance is about 0.13 for 30 entities
        raw = self.model.evaluate_link_prediction(self.test, known=[])
        self.assertLessEqual(raw["mrr"], m["mrr"])
        tails = self.model.evaluate_link_prediction(self.test, direction="tails")
        heads = self.model.evaluate_link_prediction(self.test, direction="heads")
        both = self.model.evaluate_link_prediction(self.test)
        self.assertAlmostEqual(both["mrr"], (tails["mrr"] + heads["mrr"]) / 2, places=9)
        with self.assertRaises(ValueError):
            self.model.evaluate_link_prediction(self.test, direction="sideways")

    def test_predictions_are_every_entity_by_score(self):
        m, g = self.model, self.model.kg
        for anchor in ("n0", "n13"):
            for rel in ("next", "prev"):
                tails = m.predict_tails(anchor, rel, k=30, exclude_training=False)
                self.assertEqual(sorted(link.name for link in tails), sorted("n%d" % i for i in range(30)))
                self.assertEqual([link.score for link in tails], sorted((link.score for link in tails), reverse=True))
                for link in tails[:5]:
                    self.assertAlmostEqual(link.score, m.score_triple(anchor, rel, link.name), places=4)
                    self.assertEqual(link.name, g.entity_name(link.entity))
                heads = m.predict_heads(anchor, rel, k=5, exclude_training=False)
                for link in heads:
                    self.assertAlmostEqual(link.score, m.score_triple(link.entity, rel, anchor), places=4)
                # the training answers left out, and only they
                kept = m.predict_tails(anchor, rel, k=30)
                known = {t for h, r, t in self.rows if h == anchor and r == rel}
                self.assertEqual({link.name for link in kept}, {"n%d" % i for i in range(30)} - known)

    def test_a_batch_gives_the_single_queries_lists(self):
        m = self.model
        anchors = ["n0", "n13", 5, "n29", "n7"]
        rels = ["next", "prev", "next", 0, "prev"]
        dirs = ["tails", "heads", "heads", "tails", "tails"]
        for exclude in (False, True):
            got = m.predict_links(anchors, rels, direction=dirs, k=4, exclude_training=exclude)
            self.assertEqual(len(got), len(anchors))
            for a, r, d, row in zip(anchors, rels, dirs, got):
                single = (m.predict_tails if d == "tails" else m.predict_heads)(a, r, k=4, exclude_training=exclude)
                self.assertEqual(row, single)
        # one relation and direction for every anchor
        self.assertEqual(m.predict_links(["n1", "n2"], "next", k=2),
                         [m.predict_tails("n1", "next", k=2), m.predict_tails("n2", "next", k=2)])
        self.assertEqual(m.predict_links([], "next"), [])
        with self.assertRaises(ValueError):
            m.predict_links(["n1", "n2"], ["next"])
        with self.assertRaises(ValueError):
            m.predict_links(["n1"], "next", direction="sideways")
        with self.assertRaises(gnnrec.NotFoundError):
            m.predict_links(["n1", "nobody"], "next")
        with self.assertRaises(gnnrec.RangeError):
            m.predict_links(["n1"], "next", k=31)
        with self.assertRaises(ValueError):
            m.predict_links(["n1"], "next", k=0)

    def test_an_update_adds_triples_entities_and_relations(self):
        m, g = self.model, self.model.kg
        with gnnrec.KnowledgeGraph.from_triples(["n3", "n30", "n1"], ["next", "next", "near"],
                                                ["n30", "n4", "n2"]) as added:
            with gnnrec.Trainer("rotate", threads=1) as t:
                up = m.update(added, trainer=t)
                self.assertEqual(t.stats["epochs"], 4)  # the update's own schedule
        kg = up.kg
        self.assertEqual((kg.num_entities, kg.num_relations, kg.num_triples),
                         (g.num_entities + 1, g.num_relations + 1, g.num_triples + 3))
        self.assertEqual([kg.entity_name(e) for e in range(g.num_entities)],
                         [g.entity_name(e) for e in range(g.num_entities)])
        self.assertEqual((kg.entity_name(g.num_entities), kg.relation_name(g.num_relations)), ("n30", "near"))
        self.assertIn(("n3", "next", "n30"), kg)
        self.assertEqual(len(up.predict_tails("n30", "next", k=3)), 3)
        self.assertEqual(up.info("updated"), 1)
        self.assertEqual(m.kg.num_entities, g.num_entities)  # the model given is unchanged
        with gnnrec.KnowledgeGraph.from_triples(["n3"], ["next"], ["n9"]) as added, \
                gnnrec.Trainer("transe") as t, self.assertRaises(gnnrec.InvalidArgumentError):
            m.update(added, trainer=t)

    def test_the_saved_model_keeps_its_graph(self):
        path = os.path.join(support.tmpdir(), "ring.gnr")
        self.model.save(path)
        with gnnrec.Model.load(path) as again:
            self.assertEqual(again.kind, "rotate")
            self.assertEqual(again.kg.num_triples, self.train.num_triples)
            self.assertEqual(again.predict_tails("n4", "next", k=3), self.model.predict_tails("n4", "next", k=3))

    def test_errors(self):
        with self.assertRaises(gnnrec.NotFoundError):
            self.model.predict_tails("nobody", "next")
        with self.assertRaises(gnnrec.RangeError):
            self.model.predict_tails("n1", "next", k=31)
        with self.assertRaises(ValueError):
            self.model.predict_tails("n1", "next", k=0)
        with self.assertRaises(gnnrec.RangeError):
            self.model.predict_tails(99, "next")
        with gnnrec.Trainer("mf", epochs=1, threads=1) as t, gnnrec.Graph.from_edges([1, 2], [3, 4]) as ui:
            mf = t.fit(ui)
        with self.assertRaises(gnnrec.UnsupportedError):
            mf.predict_tails(0, 0)
        with self.assertRaises(gnnrec.UnsupportedError):
            mf.kg
        with gnnrec.Trainer("lightgcn", epochs=1) as t, self.assertRaises(gnnrec.InvalidArgumentError):
            t.fit(self.train)


class EstimatorTest(unittest.TestCase):
    def test_a_kg_estimator_fits_triples(self):
        train, valid, test = ring_triples()
        d = support.tmpdir()
        tr = gnnrec.KnowledgeGraph.load(write_triples(os.path.join(d, "est-train.txt"), train))
        va = gnnrec.KnowledgeGraph.load(write_triples(os.path.join(d, "est-valid.txt"), valid), like=tr)
        est = gnnrec.RotatE(dim=8, epochs=20, lr=0.05, batch=32, negatives=16, threads=1)
        self.assertIs(est.fit(tr, valid=va, show_progress=False), est)
        self.assertEqual(est.model_.kg.num_triples, len(train))
        self.assertIsNotNone(est.stats_["best_valid"])
        links = est.predict_tails("n2", "next", k=3)
        self.assertEqual([x.name for x in links], [x.name for x in est.model_.predict_tails("n2", "next", k=3)])
        self.assertAlmostEqual(est.score_triple("n2", "next", links[0].name), links[0].score, places=4)
        self.assertEqual(len(est.predict_heads("n2", "next", k=2)), 2)
        self.assertEqual(est.predict_links(["n2"], "next", k=3), [links])
        self.assertIn("mrr", est.evaluate_link_prediction(va, known=[tr, va]))
        # new triples: the updated model has an id space of its own (valid triples are loaded like its kg)
        with gnnrec.KnowledgeGraph.from_triples(["n2", "late"], ["next", "next"], ["late", "n3"]) as more:
            self.assertIs(est.partial_fit(more, epochs=1), est)
        self.assertEqual(est.model_.kg.num_triples, len(train) + 2)
        self.assertEqual(est.stats_["epochs"], 1)
        self.assertEqual(est.model_.kg.entity_id("late"), est.model_.kg.num_entities - 1)
        with self.assertRaises(TypeError):
            est.fit(tr, min_rating=4)


if __name__ == "__main__":
    unittest.main()
