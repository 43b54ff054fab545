"""Interactions as users have them: scipy.sparse matrices, numpy id arrays,
pandas DataFrames, lists and files, each read into the same graph and each
training the same model as the same edges given another way."""

import os
import unittest

import gnnrec

import support

try:
    import numpy as np
except ImportError:
    np = None
try:
    import scipy.sparse as sp
except ImportError:
    sp = None
try:
    import pandas as pd
except ImportError:
    pd = None

# (user, item, rating, timestamp): user 0 has two items, user 2 three; user 1 none
EDGES = [(0, 1, 5.0, 100), (0, 3, 3.0, 200), (2, 0, 4.0, 300), (2, 1, 1.0, 400), (2, 4, 2.0, 500),
         (3, 2, 4.0, 600)]


def edge_set(g):
    users, items, ratings, _ = g.edges()
    return sorted((int(u), int(i), float(r)) for u, i, r in zip(users, items, ratings))


def columns():
    return [list(c) for c in zip(*EDGES)]


def tearDownModule():
    support.cleanup()


class ListInputTest(unittest.TestCase):
    """The paths every Python has."""

    def test_tuple_of_lists(self):
        users, items, ratings, times = columns()
        with gnnrec.as_graph((users, items, ratings, times)) as g:
            self.assertEqual(edge_set(g), sorted((u, i, r) for u, i, r, _ in EDGES))
            self.assertTrue(g.has_timestamps)
        with gnnrec.as_graph((users, items)) as g:
            self.assertEqual(g.num_edges, len(EDGES))
            self.assertFalse(g.has_timestamps)
        with gnnrec.as_graph((users, items, ratings), min_rating=3) as g:
            self.assertEqual(g.num_edges, 4)

    def test_names_in_lists(self):
        with gnnrec.as_graph((["ann", "bob", "ann"], ["x", "x", "y"], [5, 3, 4])) as g:
            self.assertTrue(g.has_names)
            self.assertEqual(g.num_edges, 3)
            self.assertEqual(g.user_name(gnnrec.name_id("bob")), "bob")
            with gnnrec.as_graph((["ann", "zed"], ["y", "y"]), like=g) as h:
                self.assertEqual((h.num_edges, h.num_skipped), (1, 1))
        with self.assertRaises(TypeError):
            gnnrec.as_graph((["ann", 7], ["x", "y"]))

    def test_a_graph_is_taken_as_it_is_and_a_path_is_loaded(self):
        _, full, train, _, _ = support.dataset()
        self.assertIs(gnnrec.as_graph(train), train)
        path = os.path.join(support.tmpdir(), "inputs-train.tsv")
        train.write(path, format="ml100k")
        with gnnrec.as_graph(path, format="ml100k") as g:
            self.assertEqual(g.num_edges, train.num_edges)
        with self.assertRaises(TypeError) as cm:
            gnnrec.as_graph(42)
        self.assertIn("scipy.sparse", str(cm.exception))

    def test_fit_on_lists_and_on_a_file_agree(self):
        _, _, train, valid, _ = support.dataset()
        users, items, ratings, times = train.edges()
        path = os.path.join(support.tmpdir(), "inputs-fit.tsv")
        train.write(path, format="ml100k")
        a = gnnrec.MF(**support.QUICK).fit((users, items, ratings, times), valid=valid, show_progress=False)
        b = gnnrec.MF(**support.QUICK).fit(path, valid=valid, show_progress=False, format="ml100k")
        u = train.user_ids()[:5]
        self.assertEqual(_rows(a.recommend(u, k=5)[0]), _rows(b.recommend(u, k=5)[0]))
        a.close()
        b.close()

    def test_valid_given_as_lists_is_read_in_the_training_id_space(self):
        _, _, train, valid, _ = support.dataset()
        vu, vi, vr, vt = valid.edges()
        vu, vi = list(vu) + [10 ** 9], list(vi) + [1]  # an unknown user: skipped
        seen = []
        est = gnnrec.MF(dim=8, epochs=2, eval_every=1, threads=1).fit(
            train, valid=(vu, vi), show_progress=False, callback=lambda e, l, s, v: seen.append(v))
        self.assertTrue(all(v is not None for v in seen))
        est.close()


@unittest.skipUnless(np is not None, "numpy is not installed for this Python")
class NumpyInputTest(unittest.TestCase):
    def test_arrays_of_any_integer_and_float_type(self):
        users, items, ratings, times = columns()
        for it, ft in ((np.int64, np.float32), (np.int32, np.float64), (np.uint16, np.int8)):
            with self.subTest(ids=it, ratings=ft):
                arrays = (np.array(users, it), np.array(items, it), np.array(ratings, ft), np.array(times))
                with gnnrec.as_graph(arrays) as g:
                    self.assertEqual(edge_set(g), sorted((u, i, r) for u, i, r, _ in EDGES))

    def test_outputs_are_numpy_arrays(self):
        est = support.estimator("lightgcn")
        ids, scores = est.recommend(np.array(support.dataset()[2].user_ids()[:3]), k=4)
        self.assertIsInstance(ids, np.ndarray)
        self.assertEqual((ids.shape, scores.shape), ((3, 4), (3, 4)))
        one, _ = est.recommend(np.int64(support.dataset()[2].user_ids()[0]), k=4)
        self.assertEqual(one.shape, (4,))
        with self.assertRaises(ValueError):
            est.recommend(np.zeros((2, 2), np.int64), k=4)
        with self.assertRaises(TypeError):
            est.recommend(np.array([1.0, 2.0]), k=4)


@unittest.skipUnless(sp is not None, "scipy is not installed for this Python")
class ScipyInputTest(unittest.TestCase):
    def matrix(self, fmt="csr", values=None):
        users, items, ratings, _ = columns()
        data = ratings if values is None else [values] * len(users)
        return sp.coo_matrix((data, (users, items)), shape=(5, 6)).asformat(fmt)

    def test_rows_are_users_and_values_are_ratings(self):
        for fmt in ("csr", "coo", "csc", "lil", "dok"):
            with self.subTest(format=fmt), gnnrec.as_graph(self.matrix(fmt)) as g:
                self.assertEqual(edge_set(g), sorted((u, i, r) for u, i, r, _ in EDGES))
                self.assertTrue(g.has_ratings)

    def test_item_user_orientation(self):
        with gnnrec.as_graph(self.matrix().T.tocsr(), item_user=True) as g:
            self.assertEqual(edge_set(g), sorted((u, i, r) for u, i, r, _ in EDGES))

    def test_all_ones_are_not_ratings_and_zeros_are_not_edges(self):
        m = self.matrix(values=1.0).tolil()
        m[1, 5] = 0.0  # an explicit zero: not an interaction
        with gnnrec.as_graph(m.tocsr()) as g:
            self.assertFalse(g.has_ratings)
            self.assertEqual(g.num_edges, len(EDGES))
        dup = sp.coo_matrix(([1.0, 2.0, 4.0], ([0, 0, 1], [2, 2, 3])), shape=(2, 4))
        with gnnrec.as_graph(dup) as g:  # repeated entries sum, as scipy sums them
            self.assertEqual(edge_set(g), [(0, 2, 3.0), (1, 3, 4.0)])
        self.assertEqual(dup.nnz, 3)  # the caller's matrix is left as it was
        with gnnrec.as_graph(self.matrix(), min_rating=3) as g:
            self.assertEqual(g.num_edges, 4)

    def test_a_model_fitted_on_a_matrix_matches_the_same_edges(self):
        _, _, train, valid, _ = support.dataset()
        users, items, ratings, _ = train.edges()
        csr = sp.csr_matrix((ratings, (users, items)), shape=(int(users.max()) + 1, int(items.max()) + 1))
        from_matrix = gnnrec.LightGCN(**support.QUICK).fit(csr, valid=valid, show_progress=False)
        from_arrays = gnnrec.LightGCN(**support.QUICK).fit((users, items, ratings), valid=valid,
                                                           show_progress=False)
        some = train.user_ids()[:8]
        np.testing.assert_array_equal(from_matrix.recommend(some, k=5)[0], from_arrays.recommend(some, k=5)[0])
        np.testing.assert_allclose(from_matrix.recommend(some, k=5)[1], from_arrays.recommend(some, k=5)[1])
        # validation as a matrix of the same shape
        vu, vi, vr, _ = valid.edges()
        vm = sp.csr_matrix((vr, (vu, vi)), shape=csr.shape)
        again = gnnrec.LightGCN(**support.QUICK).fit(csr, valid=vm, show_progress=False)
        self.assertEqual(again.stats_["best_valid"], from_matrix.stats_["best_valid"])
        for m in (from_matrix, from_arrays, again):
            m.close()


@unittest.skipUnless(pd is not None, "pandas is not installed for this Python")
class PandasInputTest(unittest.TestCase):
    def frame(self, **rename):
        users, items, ratings, times = columns()
        df = pd.DataFrame({"user": users, "item": items, "rating": ratings, "timestamp": times})
        return df.rename(columns=rename)

    def test_default_columns(self):
        with gnnrec.as_graph(self.frame()) as g:
            self.assertEqual(edge_set(g), sorted((u, i, r) for u, i, r, _ in EDGES))
            self.assertTrue(g.has_timestamps)

    def test_named_columns_and_optional_ones(self):
        df = self.frame(user="userId", item="movieId", rating="stars")
        with gnnrec.as_graph(df, user_col="userId", item_col="movieId", rating_col="stars") as g:
            self.assertEqual(edge_set(g), sorted((u, i, r) for u, i, r, _ in EDGES))
        with gnnrec.as_graph(df[["userId", "movieId"]], user_col="userId", item_col="movieId") as g:
            self.assertFalse(g.has_ratings)
            self.assertFalse(g.has_timestamps)
        with self.assertRaises(KeyError) as cm:
            gnnrec.as_graph(df)
        self.assertIn("'user'", str(cm.exception))
        self.assertIn("userId", str(cm.exception))

    def test_datetime_timestamps_are_unix_seconds(self):
        df = self.frame()
        df["timestamp"] = pd.to_datetime(df["timestamp"], unit="s", utc=True)
        with gnnrec.as_graph(df) as g:
            self.assertEqual(sorted(int(t) for t in g.edges()[3]), [t for *_, t in EDGES])

    def test_ids_must_be_integers_or_names_and_present(self):
        df = self.frame()
        df["user"] = df["user"].map(lambda u: "u%d" % u)
        with self.assertRaises(TypeError) as cm:
            gnnrec.as_graph(df)  # names for users, integers for items
        self.assertIn("both be names", str(cm.exception))
        df["user"] = [1] + ["u"] * (len(df) - 1)
        with self.assertRaises(TypeError) as cm:
            gnnrec.as_graph(df)
        self.assertIn("mixes names", str(cm.exception))
        df = self.frame().astype({"rating": "float64"})
        df.loc[2, "rating"] = float("nan")
        with self.assertRaises(ValueError) as cm:
            gnnrec.as_graph(df)
        self.assertIn("rating", str(cm.exception))

    def test_names_fit_the_model_of_the_ids_they_stand_for(self):
        _, _, train, valid, _ = support.dataset()
        users, items, ratings, times = train.edges()
        vu, vi, _, _ = valid.edges()
        named = pd.DataFrame({"user": ["u%d" % u for u in users], "item": ["i%d" % i for i in items],
                              "rating": ratings, "timestamp": times})
        named_valid = pd.DataFrame({"user": ["u%d" % u for u in vu], "item": ["i%d" % i for i in vi]})
        with gnnrec.as_graph(named) as g:
            self.assertTrue(g.has_names)
            self.assertEqual(g.num_edges, train.num_edges)
        a = gnnrec.MF(**support.QUICK).fit(named, valid=named_valid, show_progress=False)
        b = gnnrec.MF(**support.QUICK).fit((users, items, ratings, times), valid=valid, show_progress=False)
        some = [int(u) for u in train.user_ids()[:8]]
        ids_a, scores_a = a.recommend(["u%d" % u for u in some], k=5)
        ids_b, scores_b = b.recommend(some, k=5)
        self.assertEqual(a.item_names(ids_a), [["i%d" % i for i in row] for row in ids_b])
        np.testing.assert_array_equal(scores_a, scores_b)
        self.assertEqual(a.user_names(a.user_ids[:3]), ["u%d" % u for u in b.user_ids[:3]])
        self.assertEqual(a.score("u%d" % some[0], "i%d" % int(items[0])), b.score(some[0], int(items[0])))
        self.assertEqual(a.item_names(a.similar_items("i%d" % int(items[0]), k=3)[0]),
                         ["i%d" % i for i in b.similar_items(int(items[0]), k=3)[0]])
        a.close()
        b.close()

    def test_fit_on_a_frame_matches_the_same_edges(self):
        _, _, train, valid, _ = support.dataset()
        users, items, ratings, times = train.edges()
        df = pd.DataFrame({"u": users, "i": items, "r": ratings, "t": times})
        read = dict(user_col="u", item_col="i", rating_col="r", timestamp_col="t")
        a = gnnrec.MF(**support.QUICK).fit(df, valid=valid, show_progress=False, **read)
        b = gnnrec.MF(**support.QUICK).fit((users, items, ratings, times), valid=valid, show_progress=False)
        some = train.user_ids()[:8]
        np.testing.assert_array_equal(a.recommend(some, k=5)[0], b.recommend(some, k=5)[0])
        a.close()
        b.close()


def _rows(a):
    return [list(map(int, r)) for r in a]


if __name__ == "__main__":
    unittest.main()
