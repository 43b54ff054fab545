"""The estimators: every kind the library has, one user and batches, the
caller's item lists, similar users, new users, explanations, persistence,
progress.  Each fallback the package has for an older library (the batch
loop, item lists applied in Python, cosine similar users) is checked
against the library's own call where the library has it, and on its own
where it has not."""

import contextlib
import math
import os
import sys
import types
import unittest

import gnnrec
from gnnrec import _buffers, _native, _ranking

import support

# The classes this package has, by the library's kind names.
CLASSES = {"lightgcn": gnnrec.LightGCN, "mf": gnnrec.MF, "graphsage": gnnrec.GraphSAGE,
           "transe": gnnrec.TransE, "distmult": gnnrec.DistMult, "rotate": gnnrec.RotatE,
           "complex": gnnrec.ComplEx, "gfcf": gnnrec.GFCF, "cheby": gnnrec.Cheby, "ease": gnnrec.EASE}
TRAINING_FREE = ("gfcf", "cheby", "ease")  # the graph filters: no embedding dimension of their own
FOLD_IN = ("lightgcn", "mf", "graphsage") + TRAINING_FREE  # kinds that rank for new users


def tearDownModule():
    support.cleanup()


def _scipy():
    try:
        import scipy.sparse  # noqa: F401
    except ImportError:
        return False
    return True


def as_list(a):
    return a.tolist() if hasattr(a, "tolist") else list(a)


def rows(a):
    return [as_list(r) for r in a]


@contextlib.contextmanager
def without(name):
    """The library as if it lacked `name` (the package's fallback runs)."""
    saved = _native.lib.__dict__.pop(name, None)
    try:
        yield saved is not None
    finally:
        if saved is not None:
            _native.lib.__dict__[name] = saved


@contextlib.contextmanager
def item_lists_in_python():
    """Item lists applied by the package, as for a library without options version 2."""
    saved = _ranking._probe.get("v2")
    _ranking._probe["v2"] = False
    try:
        yield
    finally:
        if saved is None:
            _ranking._probe.pop("v2")
        else:
            _ranking._probe["v2"] = saved


class KindsTest(unittest.TestCase):
    def test_every_library_kind_has_a_class(self):
        for name in gnnrec.kinds():
            with self.subTest(kind=name):
                if name in CLASSES:
                    self.assertIs(gnnrec.recommender(name).__class__, CLASSES[name])
                else:  # a kind newer than this package: still usable
                    self.assertEqual(gnnrec.recommender(name).kind, name)
        self.assertLessEqual(set(CLASSES), set(gnnrec.kinds()))

    def test_settings_are_checked_when_given(self):
        m = gnnrec.LightGCN(dim=24, lr=0.005, mode="fast")
        self.assertEqual(m.get_params(), {"dim": 24, "lr": 0.005, "mode": "fast"})
        with self.assertRaises(gnnrec.InvalidArgumentError) as cm:
            gnnrec.LightGCN(no_such_setting=1)
        self.assertIn("no_such_setting", str(cm.exception))
        with self.assertRaises(gnnrec.InvalidArgumentError):
            m.set_params(dim=0)
        self.assertEqual(m.get_params()["dim"], 24)  # a refused change changes nothing
        with self.assertRaises(gnnrec.InvalidArgumentError):
            gnnrec.MF(hidden=32)  # a GraphSAGE setting
        self.assertEqual(repr(gnnrec.MF(dim=8)), "MF(dim=8)")
        with self.assertRaises(TypeError):
            gnnrec.Recommender(dim=8)

    def test_ease_either_gram_matrix_gives_the_same_model(self):
        _, _, train, _, _ = support.dataset()
        users = train.user_ids()[:4]
        got = {}
        for gram in ("items", "users"):
            est = gnnrec.EASE(gram=gram, search=0, holdout=0).fit(train, show_progress=False)
            self.assertEqual(est.model_.info("gram_users"), 1.0 if gram == "users" else 0.0)
            got[gram] = est.recommend(users, k=5)
        self.assertEqual(rows(got["items"][0]), rows(got["users"][0]))
        for a, b in zip(rows(got["items"][1]), rows(got["users"][1])):
            for x, y in zip(a, b):
                self.assertAlmostEqual(x, y, places=4)
        with self.assertRaises(gnnrec.InvalidArgumentError):
            gnnrec.EASE(gram="columns")

    def test_unfitted_estimator_says_so(self):
        with self.assertRaises(ValueError) as cm:
            gnnrec.LightGCN().recommend(1)
        self.assertIn("not fitted", str(cm.exception))

    def test_each_kind_fits_ranks_and_round_trips(self):
        _, _, train, _, test = support.dataset()
        users = train.user_ids()[:4]
        for name in gnnrec.kinds():
            with self.subTest(kind=name):
                est = support.estimator(name)
                self.assertEqual(est.model_.kind, name)
                self.assertGreaterEqual(est.stats_["epochs"], 1)
                ids, scores = est.recommend(users[0], k=10)
                self.assertEqual(len(ids), 10)
                self.assertEqual(as_list(scores), sorted(as_list(scores), reverse=True))
                seen = {i for i, _ in train.user_items(users[0])}
                self.assertFalse(seen & set(as_list(ids)))
                self.assertEqual(as_list(ids), [r.item for r in est.model_.recommend(users[0], k=10)])
                metrics = est.evaluate(test, ks=(10,))
                self.assertTrue(0.0 <= metrics["ndcg@10"] <= 1.0)
                path = os.path.join(support.tmpdir(), name + ".gnr")
                est.save(path)
                with gnnrec.load(path) as again:
                    self.assertIs(type(again), type(est))
                    if name not in TRAINING_FREE:
                        self.assertEqual(again.get_params()["dim"], support.QUICK["dim"])
                    self.assertEqual(rows(again.recommend(users, k=5)[0]), rows(est.recommend(users, k=5)[0]))
                    # test data from the original id space is read into the loaded model's
                    self.assertAlmostEqual(again.evaluate(test, ks=(10,))["ndcg@10"], metrics["ndcg@10"], places=6)

    def test_a_refit_leaves_the_old_model_working(self):
        _, _, train, _, _ = support.dataset()
        user = train.user_ids()[0]
        est = gnnrec.MF(dim=8, epochs=1, threads=1).fit(train, show_progress=False)
        old = est.model_
        before = old.recommend(user, k=3)
        est.set_params(seed=7).fit(train, show_progress=False)
        self.assertIsNot(est.model_, old)
        self.assertEqual(old.recommend(user, k=3), before)
        est.close()
        self.assertTrue(est.model_ is None)
        self.assertFalse(old.closed)
        old.close()
        with self.assertRaises(ValueError):
            est.recommend(user)

    def test_load_through_a_kind_checks_the_kind(self):
        path = os.path.join(support.tmpdir(), "lightgcn-kind.gnr")
        support.estimator("lightgcn").save(path)
        gnnrec.LightGCN.load(path).close()
        with self.assertRaises(TypeError) as cm:
            gnnrec.MF.load(path)
        self.assertIn("lightgcn", str(cm.exception))


class RecommendTest(unittest.TestCase):
    def setUp(self):
        self.est = support.estimator("lightgcn")
        self.train = support.dataset()[2]
        self.users = self.train.user_ids()[:6]

    def test_batch_rows_are_the_one_user_lists(self):
        ids, scores = self.est.recommend(self.users, k=7)
        if _buffers.have_numpy():
            self.assertEqual(ids.shape, (6, 7))
            self.assertEqual(scores.shape, (6, 7))
            self.assertEqual(str(ids.dtype), "int64")
            self.assertEqual(str(scores.dtype), "float32")
        self.assertEqual(len(ids), 6)
        for r, u in enumerate(self.users):
            one_ids, one_scores = self.est.recommend(u, k=7)
            self.assertEqual(as_list(ids[r]), as_list(one_ids))
            self.assertEqual(as_list(scores[r]), as_list(one_scores))

    def test_batch_loop_agrees_with_the_library_batch(self):
        expected = self.est.recommend(self.users, k=5, filters={"genres": ["Comedy"]})
        with without("gr_model_recommend_batch"):
            looped = self.est.recommend(self.users, k=5, filters={"genres": ["Comedy"]})
        self.assertEqual(rows(looped[0]), rows(expected[0]))
        self.assertEqual(rows(looped[1]), rows(expected[1]))

    def test_rows_are_padded_where_filters_leave_fewer(self):
        g = self.est.model_.graph
        item = g.item_ids()[0]
        only = [item, g.item_ids()[1]]
        seen = {i for i, _ in self.train.user_items(self.users[0])}
        ids, scores = self.est.recommend(self.users[:2], k=4, items=only)
        for r, u in enumerate(self.users[:2]):
            seen = {i for i, _ in self.train.user_items(u)}
            want = [i for i in only if i not in seen]
            got = as_list(ids[r])
            self.assertEqual(sorted(got[:len(want)]), sorted(want))
            self.assertEqual(got[len(want):], [-1] * (4 - len(want)))
            self.assertTrue(all(math.isnan(s) for s in as_list(scores[r])[len(want):]))
        one_ids, _ = self.est.recommend(self.users[0], k=4, items=only)
        self.assertEqual(len(one_ids), len([i for i in only if i not in
                                            {i for i, _ in self.train.user_items(self.users[0])}]))
        self.assertEqual(len(self.est.recommend(self.users[0], k=4, items=[])[0]), 0)

    def test_filter_items_are_never_recommended(self):
        for in_python in (False, True):
            with self.subTest(in_python=in_python):
                ctx = item_lists_in_python() if in_python else contextlib.nullcontext()
                with ctx:
                    top, _ = self.est.recommend(self.users, k=10)
                    banned = sorted({as_list(row)[0] for row in top} | {as_list(row)[3] for row in top})
                    ids, scores = self.est.recommend(self.users, k=10, filter_items=banned)
                    for r in range(len(self.users)):
                        row = as_list(ids[r])
                        self.assertFalse(set(banned) & set(row))
                        self.assertEqual(len(row), 10)
                        # what remains keeps the unfiltered order: the list without the banned items
                        longer = as_list(self.est.recommend(self.users[r], k=10 + len(banned))[0])
                        self.assertEqual(row, [i for i in longer if i not in banned][:10])
                        self.assertEqual(as_list(scores[r]), sorted(as_list(scores[r]), reverse=True))

    def test_only_items_in_python_agree_with_the_library(self):
        allowed = self.est.model_.graph.item_ids()[10:40]
        expected = self.est.recommend(self.users, k=5, items=allowed)
        with item_lists_in_python():
            got = self.est.recommend(self.users, k=5, items=allowed)
        self.assertEqual(rows(got[0]), rows(expected[0]))
        self.assertTrue(all(i in allowed for row in got[0] for i in as_list(row) if i != -1))

    def test_library_filters_pass_through(self):
        g = self.est.model_.graph
        ids, _ = self.est.recommend(self.users, k=3, filters={"genres": ["Comedy"], "year_min": 1980})
        for row in ids:
            for item in as_list(row):
                if item != -1:
                    self.assertIn("Comedy", g.item_genres(item))
                    self.assertGreaterEqual(g.item_year(item), 1980)
        with_seen, _ = self.est.recommend(self.users[0], k=g.num_items, filters={"exclude_seen": False})
        self.assertEqual(len(with_seen), g.num_items)

    def test_errors(self):
        with self.assertRaises(gnnrec.NotFoundError):
            self.est.recommend([self.users[0], 10 ** 9], k=5)
        with self.assertRaises(ValueError):
            self.est.recommend(self.users, k=0)
        with self.assertRaises(gnnrec.RangeError):
            self.est.recommend(self.users, k=self.est.model_.graph.num_items + 1)
        with self.assertRaises(TypeError):
            self.est.recommend([1.5], k=3)
        with self.assertRaises(gnnrec.RangeError):  # also when the item lists are applied here
            with item_lists_in_python():
                self.est.recommend(self.users, k=self.est.model_.graph.num_items + 1, filter_items=[1])

    def test_similar_items_exclude_the_item(self):
        items = self.est.model_.graph.item_ids()[:3]
        ids, scores = self.est.similar_items(items, k=4)
        for r, item in enumerate(items):
            self.assertNotIn(item, as_list(ids[r]))
            self.assertEqual(as_list(ids[r]), [s.item for s in self.est.model_.similar_items(item, k=4)])
        one, _ = self.est.similar_items(items[0], k=4, filter_items=as_list(ids[0])[:1])
        self.assertEqual(as_list(one), [s.item for s in self.est.model_.similar_items(items[0], k=5)][1:])

    def test_similar_users_are_the_nearest_by_cosine(self):
        g = self.est.model_.graph
        uv = self.est.user_factors.tolist()
        all_users = g.user_ids()

        def cosine(a, b):
            na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(x * x for x in b))
            return sum(x * y for x, y in zip(a, b)) / (na * nb)

        for fallback in (False, True):
            ctx = without("gr_model_similar_users") if fallback else contextlib.nullcontext()
            with self.subTest(fallback=fallback), ctx:
                est = gnnrec.load(self._saved())  # a fresh cache
                ids, scores = est.similar_users(self.users[:3], k=5)
                for r, u in enumerate(self.users[:3]):
                    me = uv[all_users.index(u)]
                    ranked = sorted(((cosine(me, uv[j]), v) for j, v in enumerate(all_users) if v != u),
                                    key=lambda t: -t[0])
                    self.assertEqual(as_list(ids[r]), [v for _, v in ranked[:5]])
                    for got, (want, _) in zip(as_list(scores[r]), ranked):
                        self.assertAlmostEqual(got, want, places=5)
                with self.assertRaises(gnnrec.NotFoundError):
                    est.similar_users(10 ** 9, k=3)
                with self.assertRaises(gnnrec.RangeError):
                    est.similar_users(self.users[0], k=g.num_users + 1)
                est.close()

    def _saved(self):
        path = os.path.join(support.tmpdir(), "similar-users.gnr")
        if not os.path.exists(path):
            self.est.save(path)
        return path

    def test_new_users_are_folded_in(self):
        liked = self.est.model_.graph.item_ids()[:3]
        for name in gnnrec.kinds():
            with self.subTest(kind=name):
                est = support.estimator(name)
                if name not in FOLD_IN:
                    with self.assertRaises(gnnrec.UnsupportedError):
                        est.recommend_new_user(liked, k=5)
                    continue
                ids, scores = est.recommend_new_user(liked, k=5)
                self.assertEqual(as_list(ids), [r.item for r in est.model_.recommend_liked(liked, k=5)])
                self.assertFalse(set(liked) & set(as_list(ids)))
                without_first, _ = est.recommend_new_user(liked, k=4, filter_items=as_list(ids)[:1])
                self.assertEqual(as_list(without_first), as_list(ids)[1:])

    def test_new_user_profile_for_graphsage(self):
        est = support.estimator("graphsage")
        liked = est.model_.graph.item_ids()[:3]
        ids, scores = est.recommend_new_user(liked, k=5, ratings=[5, 4, 5], age=25, gender="F",
                                             occupation="student")
        self.assertEqual(len(ids), 5)
        self.assertEqual(as_list(scores), sorted(as_list(scores), reverse=True))
        with self.assertRaises(ValueError):
            est.recommend_new_user(liked, ratings=[5])
        with self.assertRaises(gnnrec.UnsupportedError):
            support.estimator("lightgcn").recommend_new_user(liked, age=25)

    def test_explain_splits_the_score_or_says_it_cannot(self):
        user = self.users[0]
        item = as_list(self.est.recommend(user, k=1)[0])[0]
        if not _native.lib.has("gr_model_explain_items"):
            with self.assertRaises(gnnrec.UnsupportedError) as cm:
                self.est.explain(user, item)
            self.assertEqual(cm.exception.status, "GR_EUNSUPPORTED")
            self.assertIn("gr_model_explain_items", str(cm.exception))
            return
        score, parts = self.est.explain(user, item)
        seen = {i for i, _ in self.train.user_items(user)}
        self.assertTrue(parts)
        self.assertLessEqual({i for i, _ in parts}, seen)
        self.assertTrue(all(math.isfinite(w) for _, w in parts))
        self.assertTrue(math.isfinite(score))

    def test_kg_paths_name_triples(self):
        est = support.estimator("rotate")
        user = self.users[0]
        item = as_list(est.recommend(user, k=1)[0])[0]
        paths = est.explain_paths(user, item, k=3)
        self.assertLessEqual(len(paths), 3)
        for weight, triples in paths:
            self.assertGreater(weight, 0.0)
            self.assertTrue(all(len(t) == 3 and all(isinstance(x, str) for x in t) for t in triples))
        with self.assertRaises(gnnrec.NotFoundError):
            est.explain_paths(10 ** 9, item)

    @support.needs_numpy
    def test_factors_rows_follow_the_ids(self):
        import numpy as np
        est = self.est
        self.assertEqual(est.user_factors.shape, (len(est.user_ids), est.model_.dim))
        self.assertEqual(est.item_factors.shape, (len(est.item_ids), est.model_.dim))
        u, i = est.user_ids[2], est.item_ids[5]
        self.assertAlmostEqual(est.score(u, i), float(np.dot(est.user_factors[2], est.item_factors[5])), places=4)


class ListOutputTest(unittest.TestCase):
    """Without numpy (as here with it turned off) results are lists."""

    def test_lists_with_the_same_values(self):
        est = support.estimator("lightgcn")
        users = support.dataset()[2].user_ids()[:3]
        expected_ids, expected_scores = est.recommend(users, k=4, filter_items=[users[0]])
        saved = _buffers.numpy
        _buffers.numpy = None
        try:
            with item_lists_in_python():
                ids, scores = est.recommend(users, k=4, filter_items=[users[0]])
            one, _ = est.recommend(users[0], k=4)
            similar, _ = est.similar_items(est.model_.graph.item_ids()[:2], k=3)
        finally:
            _buffers.numpy = saved
        self.assertIsInstance(ids, list)
        self.assertTrue(all(isinstance(row, list) and len(row) == 4 for row in ids))
        self.assertEqual(ids, rows(expected_ids))
        for got, want in zip(scores, rows(expected_scores)):
            for a, b in zip(got, want):
                self.assertAlmostEqual(a, b, places=6)
        self.assertIsInstance(one, list)
        self.assertEqual(len(similar), 2)


class ProgressTest(unittest.TestCase):
    def test_callback_sees_every_epoch_and_can_stop(self):
        _, _, train, valid, _ = support.dataset()
        seen = []

        def callback(epoch, loss, seconds, valid_metric):
            seen.append((epoch, valid_metric))
            return epoch == 2

        est = gnnrec.MF(dim=8, epochs=20, eval_every=1, threads=1).fit(train, valid=valid, callback=callback,
                                                                       show_progress=False)
        self.assertEqual([e for e, _ in seen], [1, 2])
        self.assertTrue(all(v is not None for _, v in seen))
        self.assertEqual(est.stats_["epochs"], 2)
        est.close()

    def test_a_tqdm_bar_when_tqdm_is_importable(self):
        bars = []

        class FakeBar:
            def __init__(self, total=None, desc=None, unit=None):
                self.total, self.desc, self.n, self.postfix, self.closed = total, desc, 0, None, False
                bars.append(self)

            def update(self, n):
                self.n += n

            def set_postfix(self, values, refresh=True):
                self.postfix = values

            def close(self):
                self.closed = True

        module = types.ModuleType("tqdm.auto")
        module.tqdm = FakeBar
        saved = {k: sys.modules.get(k) for k in ("tqdm", "tqdm.auto")}
        sys.modules["tqdm"] = types.ModuleType("tqdm")
        sys.modules["tqdm.auto"] = module
        try:
            _, _, train, valid, _ = support.dataset()
            est = gnnrec.MF(dim=8, epochs=4, eval_every=2, threads=1).fit(train, valid=valid)
            quiet = gnnrec.MF(dim=8, epochs=2, threads=1).fit(train, show_progress=False)
        finally:
            for k, v in saved.items():
                if v is None:
                    sys.modules.pop(k, None)
                else:
                    sys.modules[k] = v
        self.assertEqual(len(bars), 1)
        bar = bars[0]
        self.assertEqual((bar.total, bar.desc, bar.n, bar.closed), (4, "mf", 4, True))
        self.assertIn("loss", bar.postfix)
        self.assertIn("valid", bar.postfix)
        est.close()
        quiet.close()

    def test_an_exception_in_the_callback_propagates(self):
        _, _, train, _, _ = support.dataset()

        def callback(*_):
            raise KeyError("from the callback")

        with self.assertRaises(KeyError):
            gnnrec.MF(dim=8, epochs=5, threads=1).fit(train, callback=callback, show_progress=False)


class PartialFitTest(unittest.TestCase):
    """Updates of a fitted LightGCN or MF estimator with new interactions
    (gr_model_update): new users and items join, the old model stays."""

    def setUp(self):
        _, _, self.train, _, _ = support.dataset()
        self.users = as_list(self.train.user_ids())
        self.items = as_list(self.train.item_ids())
        self.new_user = max(self.users) + 1000
        self.new_item = max(self.items) + 1000

    def fitted(self, cls=gnnrec.LightGCN):
        return cls(**support.QUICK).fit(self.train, show_progress=False)

    def test_partial_fit_reads_a_file_in_the_models_names(self):
        d = support.tmpdir()
        train, more = os.path.join(d, "pf-names.csv"), os.path.join(d, "pf-more.csv")
        with open(train, "w") as f:
            f.write("user,item\n" + "".join("u%d,%d\n" % (u, (u + j) % 25) for u in range(30) for j in range(4)))
        with open(more, "w") as f:
            f.write("7,3\n7,4\n")  # names here, as the model's ids are, though they look like integers
        est = gnnrec.MF(**support.QUICK).fit(train, show_progress=False)
        est.partial_fit(more)
        self.assertIn(gnnrec.name_id("7"), as_list(est.user_ids))
        self.assertNotIn(7, as_list(est.user_ids))
        self.assertEqual(est.model_.graph.user_name(gnnrec.name_id("7")), "7")
        self.assertEqual(len(est.item_ids), 25)

    def test_partial_fit_adds_users_and_items_and_keeps_the_old_model(self):
        for cls in (gnnrec.LightGCN, gnnrec.MF, gnnrec.GraphSAGE):
            with self.subTest(kind=cls.kind):
                est = self.fitted(cls)
                old = est.model_
                before = old.recommend(self.users[0], k=5)
                liked = self.items[:3]
                edges = ([self.new_user] * 3 + [self.users[0]], liked + [self.new_item], [5.0, 4.0, 3.0, 2.0])
                self.assertIs(est.partial_fit(edges), est)
                self.assertIsNot(est.model_, old)
                self.assertEqual(est.model_.info("updated"), 1)
                self.assertIn(self.new_user, as_list(est.user_ids))
                self.assertIn(self.new_item, as_list(est.item_ids))
                self.assertEqual(len(est.user_factors), len(self.users) + 1)
                # the fit's 3 epochs are not the update's: it runs its own short schedule
                self.assertNotEqual(est.stats_["epochs"], support.QUICK["epochs"])
                ids, _ = est.recommend(self.new_user, k=5)
                self.assertEqual(len(ids), 5)
                self.assertFalse(set(liked) & set(as_list(ids)))
                # the user's earlier items stay beside the new one
                known = {i for i, _ in est.model_.graph.user_items(self.users[0])}
                self.assertLessEqual({i for i, _ in self.train.user_items(self.users[0])}, known)
                self.assertIn(self.new_item, known)
                # the model before is unchanged and still works
                self.assertEqual(old.graph.num_users, len(self.users))
                self.assertEqual(old.recommend(self.users[0], k=5), before)
                est.partial_fit(([self.new_user], [self.items[5]]), epochs=2)
                self.assertEqual(est.stats_["epochs"], 2)
                old.close()
                est.close()

    @unittest.skipUnless("scipy.sparse" in sys.modules or _scipy(), "scipy is not installed for this Python")
    def test_partial_fit_users_and_items_take_one_row_per_id(self):
        import scipy.sparse as sp
        est = self.fitted()
        # row 0: an existing user rating two items; row 1: a new user with one known and one new item
        cols = [self.items[0], self.items[1], self.items[2], self.new_item]
        m = sp.csr_matrix(([4.0, 2.0, 5.0, 3.0], ([0, 0, 1, 1], cols)), shape=(2, self.new_item + 1))
        est.partial_fit_users([self.users[1], self.new_user], m)
        graph = est.model_.graph
        self.assertEqual(sorted(graph.user_items(self.new_user)), [(self.items[2], 5.0), (self.new_item, 3.0)])
        self.assertIn((self.items[0], 4.0), graph.user_items(self.users[1]))
        # from the items' side: a new item liked by two known users (all ones: no ratings given)
        other = self.new_item + 1
        m = sp.csr_matrix(([1.0, 1.0], ([0, 0], [self.users[2], self.users[3]])), shape=(1, max(self.users) + 1))
        est.partial_fit_items([other], m)
        self.assertEqual(sorted(u for u, _ in est.model_.graph.item_users(other)), [self.users[2], self.users[3]])
        with self.assertRaises(ValueError) as cm:
            est.partial_fit_users([self.users[0]], m.tocsr()[[0, 0]])
        self.assertIn("one row per id", str(cm.exception))
        with self.assertRaises(TypeError):
            est.partial_fit_users([self.users[0]], [[1, 0, 1]])
        est.close()

    def test_a_filter_is_built_again_with_its_settings(self):
        est = gnnrec.Cheby(rank=16, threads=1).fit(self.train, show_progress=False)
        chosen = est.model_.info("phi")
        est.partial_fit(([self.new_user] * 2, [self.items[0], self.new_item]))
        self.assertEqual(est.model_.info("phi"), chosen)
        self.assertEqual(est.stats_["trials"], 0)  # nothing searched again
        self.assertIn(self.new_item, as_list(est.item_ids))
        self.assertEqual(len(est.recommend(self.new_user, k=5)[0]), 5)
        est.close()

    def test_a_kg_model_of_interactions_takes_interactions(self):
        est = gnnrec.TransE(**support.QUICK).fit(self.train, show_progress=False)
        est.partial_fit(([self.new_user] * 2, [self.items[0], self.new_item]))
        self.assertEqual(est.model_.info("updated"), 1)
        self.assertEqual(est.model_.info("epochs"), 8)  # the update's own schedule
        self.assertIn(self.new_user, as_list(est.user_ids))
        self.assertEqual(len(est.recommend(self.new_user, k=5)[0]), 5)
        est.close()

    def test_kinds_without_updates_and_unfitted_estimators_say_so(self):
        with self.assertRaises(ValueError):
            gnnrec.LightGCN().partial_fit(([1], [2]))
        # a KG model trained on triples takes triples, not interactions
        with gnnrec.KnowledgeGraph.from_triples(["a", "b", "c"], ["r", "r", "r"], ["b", "c", "a"]) as kg:
            est = gnnrec.TransE(dim=4, epochs=1, batch=2, negatives=2, threads=1).fit(kg, show_progress=False)
        old = est.model_
        with self.assertRaises(gnnrec.UnsupportedError):
            est.partial_fit(([self.new_user], [self.items[0]]))
        self.assertIs(est.model_, old)
        est.close()


if __name__ == "__main__":
    unittest.main()
