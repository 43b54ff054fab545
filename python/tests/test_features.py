"""GraphSAGE on the caller's node features: rows lined up by id, kept in the
model, and the rows of users and items the model has never seen."""

import math
import os
import random
import unittest

import gnnrec

import support

try:
    import pandas as pd
except ImportError:
    pd = None

USERS, ITEMS = 40, 30


def tearDownModule():
    support.cleanup()


def interactions(named=False):
    """(users, items, ratings) lists: each user rates 8 items."""
    rng = random.Random(5)
    users, items, ratings = [], [], []
    for u in range(USERS):
        for i in rng.sample(range(ITEMS), 8):
            users.append("u%d" % u if named else u)
            items.append("i%d" % i if named else i)
            ratings.append(float(rng.randint(1, 5)))
    return users, items, ratings


def feature_rows(n, width, seed):
    rng = random.Random(seed)
    return {k: [rng.uniform(-1, 1) for _ in range(width)] for k in range(n)}


def fitted(**features):
    est = gnnrec.GraphSAGE(epochs=3, threads=1, objective="rating", seed=3)
    return est.fit(interactions(), show_progress=False, **features)


class FeaturesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.item_rows = feature_rows(ITEMS, 5, 1)
        cls.user_rows = feature_rows(USERS, 3, 2)
        cls.est = fitted(item_features=cls.item_rows, user_features=cls.user_rows)

    def test_rows_are_lined_up_by_id_and_kept(self):
        m = self.est.model_
        self.assertEqual((m.feature_dim("items"), m.feature_dim("users")), (5, 3))
        kept = m.features("items")
        for r, item in enumerate(m.graph.item_ids()):
            for c in range(5):
                self.assertAlmostEqual(kept[r, c], self.item_rows[item][c], places=6)
        # (ids, rows) gives the same model as a dict
        ids = list(self.item_rows)
        again = fitted(item_features=(ids, [self.item_rows[i] for i in ids]), user_features=self.user_rows)
        self.assertEqual(again.score(0, 1), self.est.score(0, 1))
        # other features, another model
        other = fitted(item_features=feature_rows(ITEMS, 5, 9), user_features=self.user_rows)
        self.assertNotEqual(other.score(0, 1), self.est.score(0, 1))
        builtin = fitted()
        self.assertNotEqual(builtin.model_.feature_dim("items"), 5)

    def test_new_items_and_users_by_their_rows(self):
        row = [0.3, -0.2, 0.5, 0.0, 0.1]
        users, scores = self.est.new_item_users(k=5, features=row)
        self.assertEqual(len(users), 5)
        self.assertEqual(list(scores), sorted(scores, reverse=True))
        again = self.est.score_new_item(users, features=row)
        for a, b in zip(again, scores):
            self.assertAlmostEqual(float(a), float(b), places=5)
        other = self.est.score_new_item(users, features=[-v for v in row])
        self.assertNotEqual(list(other), list(again))
        items, item_scores = self.est.recommend_new_user([1, 2], k=4, features=[0.5, 0.5, -0.5])
        self.assertEqual(len(items), 4)
        self.assertNotIn(1, list(items))

    def test_bad_rows_name_what_is_wrong(self):
        rows = dict(self.item_rows)
        missing = rows.pop(7)
        with self.assertRaises(ValueError) as cm:
            fitted(item_features=rows)
        self.assertIn("no row for id 7", str(cm.exception))
        rows[7] = missing[:2]
        with self.assertRaises(ValueError) as cm:
            fitted(item_features=rows)
        self.assertIn("id 7 has 2 values", str(cm.exception))
        rows[7] = [float("nan")] * 5
        with self.assertRaises(ValueError) as cm:
            fitted(item_features=rows)
        self.assertIn("not finite", str(cm.exception))
        with self.assertRaises(TypeError):
            fitted(item_features=[[1.0] * 5] * ITEMS)
        with self.assertRaises(gnnrec.UnsupportedError):
            gnnrec.MF(epochs=1).fit(interactions(), item_features=self.item_rows, show_progress=False)
        with self.assertRaises(ValueError):
            self.est.new_item_users(k=3, ratings=[4.0])

    def test_names_key_the_rows_of_a_graph_of_names(self):
        rows = {"i%d" % k: v for k, v in self.item_rows.items()}
        est = gnnrec.GraphSAGE(epochs=3, threads=1, objective="rating", seed=3)
        est.fit(interactions(named=True), item_features=rows, show_progress=False)
        kept = est.model_.features("items")
        g = est.model_.graph
        for r, item in enumerate(g.item_ids()):
            self.assertAlmostEqual(kept[r, 0], rows[g.item_name(item)][0], places=6)

    def test_trainer_takes_rows_in_graph_order(self):
        users, items, ratings = interactions()
        with gnnrec.Graph.from_edges(users, items, ratings=ratings) as g, gnnrec.Trainer(
                "graphsage", epochs=2, threads=1, objective="rating") as t:
            order = g.item_ids()
            t.set_features("items", [self.item_rows[i] for i in order])
            m = t.fit(g)
            self.assertEqual(m.feature_dim("items"), 5)
            self.assertAlmostEqual(m.features("items")[3, 2], self.item_rows[order[3]][2], places=6)
            t.set_features("items", [self.item_rows[i] for i in order][:-1])
            with self.assertRaises(gnnrec.InvalidArgumentError):
                t.fit(g)
            with self.assertRaises(ValueError):
                t.set_features("edges", [[1.0]])

    def test_built_in_rows_and_new_vectors(self):
        users, items, ratings = interactions()
        # no held-out part: the model's features are those of its whole training graph
        est = gnnrec.GraphSAGE(epochs=2, threads=1, seed=3, holdout=0).fit((users, items, ratings), show_progress=False)
        m = est.model_
        built, kept, width = m.graph.features("items"), m.features("items"), m.feature_dim("items")
        self.assertEqual(len(built), ITEMS)
        self.assertGreater(width, 0)
        self.assertTrue(all(built[r, c] == kept[r, c] for r in range(ITEMS) for c in range(width)))
        # the vectors of nodes the model has not seen: one per description
        vec, bias = est.new_item_vector(users=[0, 1], ratings=[5.0, 4.0])
        other_item, _ = est.new_item_vector(users=[7, 8], ratings=[1.0, 2.0])
        self.assertEqual(len(vec), m.dim)
        self.assertTrue(all(math.isfinite(float(v)) for v in vec) and math.isfinite(bias))
        self.assertNotEqual(list(vec), list(other_item))
        uvec, ubias = est.new_user_vector([1, 2])
        other, _ = est.new_user_vector([5, 6])
        self.assertEqual(len(uvec), m.dim)
        self.assertNotEqual(list(uvec), list(other))
        with self.assertRaises(ValueError):
            est.new_user_vector([1, 2], ratings=[5.0])
        with gnnrec.KnowledgeGraph.from_graph(m.graph) as kg:
            self.assertEqual((kg.num_triples, kg.relation_name(0)), (len(users), "liked"))

    def test_partial_fit_takes_the_rows_of_the_new_ids(self):
        est = fitted(item_features=self.item_rows, user_features=self.user_rows)
        new_user, new_item = USERS + 1, ITEMS + 1
        more = ([new_user, new_user, 0], [1, new_item, new_item], [4.0, 5.0, 3.0])
        user_row, item_row = [0.25, -0.5, 0.75], [0.1, 0.2, 0.3, 0.4, 0.5]
        # rows of the new ids alone: the model keeps its own
        est.partial_fit(more, epochs=1, user_features={new_user: user_row}, item_features={new_item: item_row})
        m = est.model_
        self.assertEqual(m.graph.item_ids()[-1], new_item)
        kept = m.features("items")
        for c in range(5):
            self.assertAlmostEqual(kept[ITEMS, c], item_row[c], places=6)
        first = m.graph.item_ids()[0]
        self.assertAlmostEqual(kept[0, 0], self.item_rows[first][0], places=6)
        self.assertAlmostEqual(m.features("users")[USERS, 2], user_row[2], places=6)
        # a row for every id replaces the model's
        rows = {k: [v * 0 + 2.0 for v in r] for k, r in self.user_rows.items()}
        rows[new_user] = user_row
        rows[USERS + 2] = [1.0, 1.0, 1.0]
        est.partial_fit(([USERS + 2], [3]), epochs=1, user_features=rows)
        users = est.model_.features("users")
        self.assertEqual(est.model_.graph.num_users, USERS + 2)
        self.assertEqual((users[0, 0], users[USERS, 0], users[USERS + 1, 1]), (2.0, 0.25, 1.0))
        # a known user's interactions need no user rows; a new one's do
        est.partial_fit(([0], [4]), epochs=1)
        with self.assertRaises(ValueError) as cm:
            est.partial_fit(([USERS + 5], [4]), epochs=1, user_features={USERS + 6: user_row})
        self.assertIn("no row for id %d" % (USERS + 5), str(cm.exception))
        with self.assertRaises(gnnrec.InvalidArgumentError) as cm:
            est.partial_fit(([USERS + 5], [4]), epochs=1)
        self.assertIn("new users", str(cm.exception))

    @unittest.skipUnless(pd is not None, "pandas is not installed")
    def test_a_dataframe_indexed_by_id(self):
        frame = pd.DataFrame.from_dict(self.item_rows, orient="index")
        est = fitted(item_features=frame, user_features=self.user_rows)
        self.assertEqual(est.score(0, 1), self.est.score(0, 1))


def write_genome(directory, movies, tags=6, seed=4):
    """genome-tags.csv and genome-scores.csv: every movie a relevance per tag."""
    os.makedirs(directory, exist_ok=True)
    rng = random.Random(seed)
    with open(os.path.join(directory, "genome-tags.csv"), "w") as f:
        f.write("tagId,tag\n")
        for c in range(1, tags + 1):
            f.write('%d,"tag, %d"\n' % (c, c))
    with open(os.path.join(directory, "genome-scores.csv"), "w") as f:
        f.write("movieId,tagId,relevance\n")
        for m in movies:
            for c in range(1, tags + 1):
                f.write("%d,%d,%.4f\n" % (m, c, rng.random()))


class GenomeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = os.path.join(support.tmpdir(), "genome")
        write_genome(cls.dir, range(ITEMS + 5))  # five movies no one rated: new items

    def test_read_fit_project_save_load(self):
        with gnnrec.Genome.read(self.dir) as g:
            self.assertEqual((g.num_tags, g.num_movies, g.dim), (6, ITEMS + 5, 0))
            self.assertEqual(len(g.scores(3)), 6)
            with self.assertRaises(gnnrec.NotFoundError):
                g.scores(999)
            users, items, ratings = interactions()
            with gnnrec.Graph.from_edges(users, items, ratings=ratings) as train:
                sigma = g.fit(train, dim=3)
                self.assertEqual((g.dim, len(sigma)), (3, 3))
                self.assertGreaterEqual(sigma[0], sigma[1])
                x = g.features(train)
                first = train.item_ids()[0]
                row = g.project_movie(first)
                for c in range(3):
                    self.assertAlmostEqual(x[0, c], row[c], places=5)
            path = os.path.join(support.tmpdir(), "genome.proj")
            g.save(path)
            with gnnrec.Genome.load(path) as again:
                self.assertEqual((again.dim, again.num_movies), (3, 0))
                new = again.project(g.scores(ITEMS + 2))
                self.assertEqual([round(v, 5) for v in new], [round(v, 5) for v in g.project_movie(ITEMS + 2)])

    def test_graphsage_on_the_genome(self):
        g = gnnrec.Genome.read(self.dir)
        est = gnnrec.GraphSAGE(epochs=2, threads=1, objective="rating", seed=3)
        est.fit(interactions(), item_features=g, show_progress=False)
        self.assertEqual((g.dim, est.model_.feature_dim("items")), (min(32, 6), g.dim))
        users, scores = est.new_item_users(k=3, features=g.project_movie(ITEMS + 1))
        self.assertEqual(len(users), 3)
        # an update's new movies take their rows from the same projection
        est.partial_fit(([0, 1], [ITEMS + 1, ITEMS + 2]), epochs=1, item_features=g)
        m = est.model_
        row = g.project_movie(ITEMS + 2)
        at = m.graph.item_ids().index(ITEMS + 2)
        for c in range(g.dim):
            self.assertAlmostEqual(m.features("items")[at, c], row[c], places=5)
        with self.assertRaises(ValueError):
            est.partial_fit(([0], [ITEMS + 3]), epochs=1, item_features=gnnrec.Genome.read(self.dir))


if __name__ == "__main__":
    unittest.main()
