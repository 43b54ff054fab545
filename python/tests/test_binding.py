"""The ctypes binding against the installed library."""

import gc
import math
import os
import tempfile
import threading
import unittest

import gnnrec
from gnnrec import _buffers

import support


def tearDownModule():
    support.cleanup()


def dot(a, b):
    return sum(float(x) * float(y) for x, y in zip(a, b))


class LibraryTest(unittest.TestCase):
    def test_version_agrees_with_itself(self):
        major, minor, patch = (int(x) for x in gnnrec.version_string().split("."))
        self.assertEqual(gnnrec.version(), major * 10000 + minor * 100 + patch)
        self.assertEqual(major, 0)
        self.assertTrue(os.path.basename(gnnrec.library_path()).startswith("libgnnrec.so"))

    def test_library_is_found_by_env_then_pkg_config(self):
        import subprocess
        probe = "import gnnrec; print(gnnrec.library_path())"

        def run(env):
            return support.run_python(probe, env)

        env = dict(os.environ, GNNREC_LIBRARY=gnnrec.library_path())
        self.assertEqual(run(env).stdout.strip(), gnnrec.library_path())
        env["GNNREC_LIBRARY"] = os.path.join(support.tmpdir(), "libnothing.so")
        bad = run(env)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("ImportError", bad.stderr)
        self.assertIn("libnothing.so", bad.stderr)
        if os.environ.get("PKG_CONFIG_PATH"):  # the installed library, found by pkg-config alone
            env = {k: v for k, v in os.environ.items() if k not in ("GNNREC_LIBRARY", "LD_LIBRARY_PATH")}
            found = run(env)
            self.assertEqual(found.returncode, 0, found.stderr)
            libdir = subprocess.run(["pkg-config", "--variable=libdir", "gnnrec"], capture_output=True,
                                    text=True).stdout.strip()
            self.assertEqual(os.path.dirname(found.stdout.strip()), libdir)

    def _package_copy(self, name, with_library):
        """A copy of the package under the temporary directory, with or
        without a bundled copy of the library; returns its parent."""
        import shutil
        parent = os.path.join(support.tmpdir(), name)
        shutil.rmtree(parent, ignore_errors=True)
        shutil.copytree(os.path.dirname(os.path.abspath(gnnrec.__file__)), os.path.join(parent, "gnnrec"),
                        ignore=shutil.ignore_patterns("__pycache__", "libgnnrec.so*"))
        if with_library:
            shutil.copy(os.path.realpath(gnnrec.library_path()), os.path.join(parent, "gnnrec", "libgnnrec.so.0"))
        return parent

    def _run_isolated(self, parent, **extra):
        import subprocess
        import sys
        env = {k: v for k, v in os.environ.items()
               if k not in ("GNNREC_LIBRARY", "LD_LIBRARY_PATH", "PKG_CONFIG_PATH", "PYTHONPATH")}
        env.update(PYTHONPATH=parent, PKG_CONFIG_PATH=os.path.join(parent, "no-pkgconfig"), **extra)
        return subprocess.run([sys.executable, "-c", "import gnnrec; print(gnnrec.library_path())"],
                              cwd=parent, env=env, capture_output=True, text=True, timeout=120)

    def test_a_bundled_copy_comes_after_the_variable(self):
        parent = self._package_copy("bundled", with_library=True)
        bundled = os.path.join(parent, "gnnrec", "libgnnrec.so.0")
        found = self._run_isolated(parent)
        self.assertEqual(found.returncode, 0, found.stderr)
        self.assertEqual(found.stdout.strip(), bundled)
        chosen = self._run_isolated(parent, GNNREC_LIBRARY=gnnrec.library_path())
        self.assertEqual(chosen.stdout.strip(), gnnrec.library_path())

    def test_failure_names_every_place_tried(self):
        parent = self._package_copy("bare", with_library=False)
        failed = self._run_isolated(parent)
        if failed.returncode == 0:
            self.skipTest("a libgnnrec is installed where the dynamic linker finds it: %s" % failed.stdout.strip())
        for place in ("GNNREC_LIBRARY (not set)", "package directory " + os.path.join(parent, "gnnrec"),
                      "pkg-config does not know gnnrec", "find_library", "dynamic linker"):
            self.assertIn(place, failed.stderr)

    def test_threads_setting_round_trips(self):
        try:
            gnnrec.set_num_threads(1)
            self.assertEqual(gnnrec.get_num_threads(), 1)
            gnnrec.set_num_threads(3)
            self.assertEqual(gnnrec.get_num_threads(), 3)
        finally:
            gnnrec.set_num_threads(0)
        # automatic again: the cores other processes leave free, at least one
        self.assertGreaterEqual(gnnrec.get_num_threads(), 1)
        with self.assertRaises(gnnrec.InvalidArgumentError):
            gnnrec.set_num_threads(-1)

    def test_metrics_of_a_known_list(self):
        # relevant items at ranks 2 and 4 of 5; two relevant in all
        m = gnnrec.metrics_of_list([10, 11, 12, 13, 14], [11, 13], 5)
        self.assertAlmostEqual(m["recall"], 1.0)
        self.assertAlmostEqual(m["precision"], 0.4)
        self.assertAlmostEqual(m["hit"], 1.0)
        self.assertAlmostEqual(m["mrr"], 0.5)
        idcg = 1 + 1 / math.log2(3)
        self.assertAlmostEqual(m["ndcg"], (1 / math.log2(3) + 1 / math.log2(5)) / idcg, places=6)


class GraphTest(unittest.TestCase):
    def test_sizes_and_split_partition_the_edges(self):
        _, full, train, valid, test = support.dataset()
        self.assertEqual((full.num_users, full.num_items), (120, 150))
        self.assertGreater(full.num_edges, 1000)
        self.assertEqual(train.num_edges + valid.num_edges + test.num_edges, full.num_edges)
        self.assertEqual(train.num_items, full.num_items)  # one id space
        self.assertTrue(full.has_ratings)
        self.assertEqual(len(full), full.num_edges)

    def test_ids_neighbours_and_edges_agree(self):
        _, full, _, _, _ = support.dataset()
        users = full.user_ids()
        self.assertEqual(len(users), full.num_users)
        self.assertEqual(len(set(full.item_ids())), full.num_items)
        per_user = sum(len(full.user_items(u)) for u in users)
        self.assertEqual(per_user, full.num_edges)
        us, its, rs, ts = full.edges()
        self.assertEqual(len(us), full.num_edges)
        first = users[0]
        mine = sorted(i for u, i in zip(us, its) if u == first)
        self.assertEqual(mine, sorted(i for i, _ in full.user_items(first)))
        item = mine[0]
        self.assertIn(first, [u for u, _ in full.item_users(item)])
        self.assertTrue(all(1 <= r <= 5 for r in rs))

    def test_metadata(self):
        _, full, _, _, _ = support.dataset()
        names = full.genre_names()
        self.assertIn("Comedy", names)
        item = full.item_ids()[0]
        self.assertTrue(full.item_title(item))
        self.assertGreater(full.item_year(item), 1900)
        genres = full.item_genres(item)
        self.assertTrue(genres)
        self.assertEqual(full.genres_of_mask(full.genre_mask(genres)), genres)
        info = full.user_info(full.user_ids()[0])
        self.assertIn(info["gender"], ("M", "F"))
        with self.assertRaises(gnnrec.NotFoundError) as cm:
            full.genre_mask("Comedy,Space Opera")
        self.assertIn("Space Opera", str(cm.exception))
        self.assertIsNone(full.item_title(10 ** 9))

    def test_from_edges_round_trip_and_like(self):
        # the rating-1 edge is dropped, and with it user 3 and item 12
        g = gnnrec.Graph.from_edges([1, 1, 2, 3], [10, 11, 10, 12], ratings=[5, 4, 3, 1], min_rating=2)
        with g:
            self.assertEqual((g.num_users, g.num_items, g.num_edges), (2, 2, 3))
            self.assertEqual(sorted(g.user_items(1)), [(10, 5.0), (11, 4.0)])
            with gnnrec.Graph.from_edges([2, 9, 1], [11, 10, 12], like=g) as h:
                self.assertEqual(h.num_edges, 1)
                self.assertEqual(h.num_skipped, 2)
            with self.assertRaises(gnnrec.StateError):
                gnnrec.Graph.from_edges([9], [12], like=g)
        with self.assertRaises(ValueError):
            gnnrec.Graph.from_edges([1, 2], [3])

    def test_write_and_reload(self):
        _, full, train, _, _ = support.dataset()
        path = os.path.join(support.tmpdir(), "train.tsv")
        train.write(path, format="ml100k")
        with gnnrec.Graph.load(path, format="ml100k", metadata=False) as again:
            self.assertEqual(again.num_edges, train.num_edges)

    def test_io_errors_name_the_file(self):
        missing = os.path.join(support.tmpdir(), "no-such-file.dat")
        with self.assertRaises(gnnrec.GnnrecIOError) as cm:
            gnnrec.Graph.load(missing)
        self.assertIn("no-such-file.dat", str(cm.exception))
        self.assertEqual(cm.exception.status, "GR_EIO")
        self.assertIsInstance(cm.exception, OSError)

    def test_malformed_input_names_the_line(self):
        path = os.path.join(support.tmpdir(), "bad.data")
        with open(path, "w") as f:
            f.write("1\t2\t5\t881250949\n1\tbanana\t3\t881250949\n")
        with self.assertRaises(gnnrec.FormatError) as cm:
            gnnrec.Graph.load(path, format="ml100k")
        self.assertIn("bad.data:2", str(cm.exception))

    def test_ids_that_are_names(self):
        d = support.tmpdir()
        train, test = os.path.join(d, "names-train.csv"), os.path.join(d, "names-test.csv")
        with open(train, "w") as f:
            f.write("user,item,rating\n")
            for u in range(20):
                for j in range(5):
                    f.write("user-%d,sku %d,%d\n" % (u, (u + j) % 30, 1 + j))
        with open(test, "w") as f:
            f.write("user-3,sku 20,5\nstranger,sku 1,4\n")
        with gnnrec.Graph.load(train) as g:
            self.assertTrue(g.has_names)
            self.assertEqual(g.num_users, 20)
            uid = gnnrec.name_id("user-3")
            self.assertEqual(g.user_name(uid), "user-3")
            self.assertEqual(g.item_name(gnnrec.name_id("sku 7")), "sku 7")
            self.assertIsNone(g.user_name(gnnrec.name_id("stranger")))
            self.assertEqual(len(g.user_items(uid)), 5)
            with gnnrec.Graph.load(test, like=g) as t:
                self.assertEqual((t.num_edges, t.num_skipped), (1, 1))
            with self.assertRaises(gnnrec.InvalidArgumentError):
                gnnrec.Graph.load(test, like=g, ids="integers")
            with gnnrec.Trainer("mf", dim=8, epochs=2, threads=1) as tr:
                model = tr.fit(g)
            path = os.path.join(d, "names.gnr")
            model.save(path)
            again = gnnrec.Model.load(path)
            recs = again.recommend(uid, k=3)
            self.assertTrue(all(again.graph.item_name(r.item).startswith("sku ") for r in recs))
        # "17" is a name when asked for, an integer otherwise
        ints = os.path.join(d, "ints.csv")
        with open(ints, "w") as f:
            f.write("17,42\n")
        with gnnrec.Graph.load(ints, format="delimited") as g:
            self.assertFalse(g.has_names)
            self.assertEqual(g.user_ids()[0], 17)
            self.assertIsNone(g.user_name(17))
        with gnnrec.Graph.load(ints, format="delimited", ids="names") as g:
            self.assertEqual(g.user_name(gnnrec.name_id("17")), "17")
        with self.assertRaises(ValueError):
            gnnrec.Graph.load(ints, ids="words")
        with self.assertRaises(gnnrec.InvalidArgumentError):
            gnnrec.name_id("")

    def test_closed_graph_refuses_calls(self):
        g = gnnrec.Graph.from_edges([1], [2])
        with g:
            pass
        self.assertTrue(g.closed)
        with self.assertRaises(ValueError):
            g.num_edges
        g.close()  # closing twice is harmless


class TrainerTest(unittest.TestCase):
    def test_settings_by_name(self):
        with gnnrec.Trainer("lightgcn", dim=24, lr=0.005) as t:
            self.assertEqual(t.get("dim"), 24)
            self.assertAlmostEqual(t["lr"], 0.005)
            t["layers"] = 2
            self.assertEqual(t.get("layers"), 2)
            with self.assertRaises(gnnrec.InvalidArgumentError) as cm:
                t.set("no_such_setting", 1)
            self.assertIn("no_such_setting", str(cm.exception))
            with self.assertRaises(gnnrec.InvalidArgumentError) as cm:
                t.set("dim", 0)
            self.assertIn("dim", str(cm.exception))
        with self.assertRaises(gnnrec.InvalidArgumentError):
            gnnrec.Trainer("no-such-kind")

    def test_progress_can_stop_training(self):
        _, _, train, _, _ = support.dataset()
        seen = []

        def progress(epoch, loss, seconds, valid):
            seen.append((epoch, loss, valid))
            return epoch == 2  # stop after the second epoch

        with gnnrec.Trainer(dim=8, epochs=50, threads=1) as t, t.fit(train, progress=progress) as m:
            self.assertEqual([e for e, _, _ in seen], [1, 2])
            self.assertTrue(all(v is None for _, _, v in seen))  # no validation graph
            self.assertEqual(t.stat("epochs"), 2)
            self.assertIsNone(t.stat("best_valid"))
            self.assertEqual(m.dim, 8)

    def test_a_stopped_fit_resumes_from_its_checkpoint(self):
        _, _, train, _, _ = support.dataset()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "run.ckpt")
            with gnnrec.Trainer(dim=8, epochs=6, holdout=0, threads=1) as t, t.fit(train) as whole:
                t.set_checkpoint(path, 2)
                t.fit(train, progress=lambda e, *_: e == 3).close()
                self.assertEqual(t.stat("epochs"), 3)
                with t.fit(train) as resumed:
                    self.assertEqual(t.stat("epochs"), 6)
                    self.assertEqual(whole.user_vectors().tobytes(), resumed.user_vectors().tobytes())
                t.set("lr", 0.3)
                with self.assertRaises(gnnrec.InvalidArgumentError) as cm:
                    t.fit(train)
                self.assertIn("run.ckpt", str(cm.exception))

    def test_a_stopped_kg_fit_resumes_from_its_checkpoint(self):
        _, _, train, _, _ = support.dataset()
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "kg.ckpt")
            with gnnrec.Trainer("rotate", dim=8, epochs=5, holdout=0, threads=1) as t, t.fit(train) as whole:
                t.set_checkpoint(path, 2)
                t.fit(train, progress=lambda e, *_: e == 3).close()
                self.assertEqual(t.stat("epochs"), 3)
                with t.fit(train) as resumed:
                    self.assertEqual(t.stat("epochs"), 5)
                    users, items = list(train.user_ids())[:5], list(train.item_ids())[:5]
                    self.assertEqual([whole.score(u, i) for u in users for i in items],
                                     [resumed.score(u, i) for u in users for i in items])

    def test_without_validation_a_held_out_part_chooses_the_epoch(self):
        _, _, train, _, _ = support.dataset()
        with gnnrec.Trainer(dim=8, epochs=20, eval_every=5, threads=1) as t, t.fit(train) as m:
            self.assertGreater(m.info("holdout_edges"), 0)
            self.assertEqual(m.info("refit"), 1)
            self.assertEqual(m.info("valid_epoch"), t.stat("best_epoch"))
            self.assertEqual(m.info("epochs"), t.stat("best_epoch"))
            self.assertAlmostEqual(m.info("valid_ndcg"), t.stat("best_valid"))

    def test_budget_reports_each_trial(self):
        _, _, train, valid, _ = support.dataset()
        seen = []

        def trial(number, settings, metric, best_epoch, seconds):
            seen.append((number, settings, metric))
            return number == 3  # end the search after the third trial

        with gnnrec.Trainer(dim=8, epochs=4, threads=1, budget=600, lr=0.5) as t, \
                t.fit(train, valid=valid, trial=trial) as m:
            self.assertEqual([n for n, _, _ in seen], [1, 2, 3])
            self.assertEqual(t.stat("trials"), 3)
            # lr was set by hand: never searched; the others are the mode's rows
            self.assertTrue(all("lr" not in s and s for _, s, _ in seen))
            self.assertTrue(all(v is not None for _, _, v in seen))
            self.assertEqual(m.info("search_trials"), 3)
            best = max(seen, key=lambda x: x[2])[1]
            for name, value in best.items():
                self.assertAlmostEqual(m.info(name), value)

    def test_an_exception_in_trial_propagates(self):
        _, _, train, valid, _ = support.dataset()

        def trial(*_):
            raise KeyError("from the trial callback")

        with gnnrec.Trainer(dim=8, epochs=2, threads=1, budget=600) as t:
            with self.assertRaises(KeyError):
                t.fit(train, valid=valid, trial=trial)
            self.assertEqual(t.stat("trials"), 1)

    def test_validation_given_to_fit_is_for_that_fit(self):
        _, _, train, valid, _ = support.dataset()
        # holdout 0: without validation data nothing is validated (no held-out part either)
        with gnnrec.Trainer(dim=8, epochs=2, threads=1, holdout=0) as t:
            with t.fit(train, valid=valid):
                self.assertIsNotNone(t.stat("best_valid"))
            with t.fit(train):
                self.assertIsNone(t.stat("best_valid"))
            t.set_validation(valid)  # kept until removed
            with t.fit(train):
                self.assertIsNotNone(t.stat("best_valid"))

    def test_an_exception_in_progress_propagates(self):
        _, _, train, _, _ = support.dataset()

        def progress(epoch, *_):
            raise KeyError("from the callback")

        with gnnrec.Trainer(dim=8, epochs=50, threads=1) as t:
            with self.assertRaises(KeyError):
                t.fit(train, progress=progress)
            self.assertEqual(t.stat("epochs"), 1)

    def test_validation_is_recorded(self):
        m = support.model()
        self.assertEqual(m.kind, "lightgcn")
        self.assertEqual(m.info("dim"), 16)
        self.assertGreaterEqual(m.info("best_epoch"), 1)
        self.assertEqual(m.info("no_such_key", default=-1), -1)
        with self.assertRaises(gnnrec.NotFoundError):
            m.info("no_such_key")


class ModelTest(unittest.TestCase):
    def test_evaluate_reports_every_metric(self):
        _, _, train, _, test = support.dataset()
        r = support.model().evaluate(test, exclude=train, ks=(5, 10))
        for name in gnnrec.METRICS:
            for k in (5, 10):
                self.assertTrue(0.0 <= r["%s@%d" % (name, k)] <= 1.0)
        for name in ("recall", "hit", "mrr"):  # these cannot fall as K grows
            self.assertLessEqual(r[name + "@5"], r[name + "@10"] + 1e-12)
        self.assertGreater(r["recall@10"], 0.0)
        self.assertGreater(r["users"], 0)
        with self.assertRaises(gnnrec.RangeError):
            support.model().evaluate(test, exclude=train, ks=(0,))

    def test_recommend_sorts_excludes_seen_and_filters(self):
        _, _, train, _, _ = support.dataset()
        m = support.model()
        user = train.user_ids()[0]
        recs = m.recommend(user, k=10)
        self.assertEqual(len(recs), 10)
        scores = [r.score for r in recs]
        self.assertEqual(scores, sorted(scores, reverse=True))
        seen = {i for i, _ in train.user_items(user)}
        self.assertFalse(seen & {r.item for r in recs})
        self.assertTrue(all(r.title for r in recs))
        with_seen = m.recommend(user, k=len(seen) + 10, exclude_seen=False)
        self.assertTrue(seen & {r.item for r in with_seen})

        g = m.graph
        comedies = m.recommend(user, k=5, genres=["Comedy"], year_min=1980, year_max=2010)
        for r in comedies:
            self.assertIn("Comedy", g.item_genres(r.item))
            self.assertTrue(1980 <= g.item_year(r.item) <= 2010)
        least = m.recommend(user, k=3, least=True)
        self.assertLessEqual(least[0].score, recs[-1].score)
        floor = recs[4].score
        self.assertTrue(all(r.score >= floor for r in m.recommend(user, k=20, min_score=floor)))

    def test_recommend_errors(self):
        m = support.model()
        with self.assertRaises(gnnrec.NotFoundError) as cm:
            m.recommend(10 ** 9, k=5)
        self.assertIn(str(10 ** 9), str(cm.exception))
        with self.assertRaises(ValueError):
            m.recommend(1, k=0)
        with self.assertRaises(gnnrec.RangeError):
            m.recommend(1, k=m.graph.num_items + 1)
        with self.assertRaises(gnnrec.RangeError):  # refused without a buffer of that size
            m.recommend(1, k=10 ** 12)
        with self.assertRaises(gnnrec.NotFoundError):
            m.recommend(1, genres="Space Opera")
        with self.assertRaises(gnnrec.InvalidArgumentError):
            m.recommend(1, year_min=2000, year_max=1990)

    def test_batch_lists_filters_similar_users_explanations(self):
        _, _, train, _, _ = support.dataset()
        m = support.model()
        user = train.user_ids()[0]
        recs = m.recommend(user, k=10)
        lists = m.recommend_batch([user, train.user_ids()[1], user], k=10)
        self.assertEqual(len(lists), 3)
        self.assertEqual(lists[0], recs)
        self.assertEqual(lists[2], recs)
        self.assertEqual(m.recommend_batch([], k=3), [])
        with self.assertRaises(gnnrec.NotFoundError):
            m.recommend_batch([user, 10 ** 9], k=3)
        rest = m.recommend(user, k=3, exclude_items=[recs[0].item, recs[1].item])
        self.assertEqual(rest[0].item, recs[2].item)
        two = m.recommend_batch([user], k=5, only_items=[recs[5].item, recs[3].item])[0]
        self.assertEqual([r.item for r in two], [recs[3].item, recs[5].item])
        self.assertEqual(m.recommend(user, k=5, only_items=[]), [])
        peers = m.similar_users(user, k=5)
        self.assertEqual(len(peers), 5)
        self.assertNotIn(user, [u for u, _ in peers])
        total, terms = m.explain_items(user, recs[0].item, limit=10 ** 4)
        self.assertEqual(len(terms), len(train.user_items(user)))
        self.assertAlmostEqual(sum(w for _, w in terms), total, places=4)
        total2, top = m.explain_liked(m.graph.item_ids()[:3], recs[0].item, limit=2)
        self.assertEqual(len(top), 2)
        self.assertGreaterEqual(top[0][1], top[1][1])

    def test_update_grows_a_new_model(self):
        _, _, train, _, test = support.dataset()
        m = support.model()
        before = m.graph.num_edges
        grown = m.update(test)
        self.assertGreater(grown.graph.num_edges, before)
        self.assertEqual(m.graph.num_edges, before)
        self.assertEqual(grown.info("updated"), 1)
        self.assertEqual(len(grown.recommend(train.user_ids()[0], k=5)), 5)
        t = gnnrec.Trainer("lightgcn")
        t.set("epochs", 2)
        m.update(test, trainer=t)
        self.assertEqual(t.stat("epochs"), 2)

    def test_similar_items_exclude_the_item(self):
        m = support.model()
        item = m.graph.item_ids()[3]
        sims = m.similar_items(item, k=5)
        self.assertEqual(len(sims), 5)
        self.assertNotIn(item, [s.item for s in sims])
        self.assertTrue(all(-1.0001 <= s.score <= 1.0001 for s in sims))

    def test_fold_in_scores_are_dot_products(self):
        m = support.model()
        liked = m.graph.item_ids()[:3]
        v = m.fold_in(liked)
        self.assertEqual(len(v), m.dim)
        recs = m.recommend_liked(liked, k=5)
        self.assertEqual(len(recs), 5)
        self.assertFalse(set(liked) & {r.item for r in recs})
        for r in recs:
            self.assertAlmostEqual(r.score, dot(v, m.item_vector(r.item)), places=4)
        with self.assertRaises(gnnrec.NotFoundError):
            m.fold_in([10 ** 9])

    def test_vectors_match_scores(self):
        m = support.model()
        g = m.graph
        users, items = g.user_ids(), g.item_ids()
        uv, iv = m.user_vectors(), m.item_vectors()
        self.assertEqual(tuple(uv.shape), (len(users), m.dim))
        self.assertEqual(tuple(iv.shape), (len(items), m.dim))
        row = 7
        self.assertEqual([float(iv[row, j]) for j in range(m.dim)], list(m.item_vector(items[row])))
        u, i = users[2], items[5]
        self.assertAlmostEqual(m.score(u, i), dot(m.user_vector(u), m.item_vector(i)), places=4)

    def test_save_load_round_trip(self):
        m = support.model()
        path = os.path.join(support.tmpdir(), "model.gnr")
        m.save(path)
        with gnnrec.Model.load(path) as again:
            self.assertEqual(again.kind, m.kind)
            self.assertEqual(again.dim, m.dim)
            user = m.graph.user_ids()[1]
            self.assertEqual(again.recommend(user, k=10), m.recommend(user, k=10))

    def test_damaged_model_files_are_rejected(self):
        m = support.model()
        path = os.path.join(support.tmpdir(), "damaged.gnr")
        m.save(path)
        with open(path, "rb") as f:
            data = bytearray(f.read())
        with open(path, "wb") as f:
            f.write(data[: len(data) // 2])
        with self.assertRaises((gnnrec.CorruptError, gnnrec.FormatError)):
            gnnrec.Model.load(path)
        data[len(data) // 2] ^= 0xFF
        with open(path, "wb") as f:
            f.write(data)
        with self.assertRaises((gnnrec.CorruptError, gnnrec.FormatError)):
            gnnrec.Model.load(path)
        with open(path, "wb") as f:
            f.write(b"not a model at all\n")
        with self.assertRaises(gnnrec.FormatError):
            gnnrec.Model.load(path)

    def test_borrowed_graph_keeps_the_model_alive(self):
        path = os.path.join(support.tmpdir(), "kept.gnr")
        support.model().save(path)
        g = gnnrec.Model.load(path).graph
        gc.collect()
        self.assertEqual(g.num_items, 150)
        g.close()  # a borrowed graph is never freed by its view

    def test_concurrent_recommendations_agree_with_serial_ones(self):
        m = support.model()
        users = m.graph.user_ids()[:40]
        expected = {u: m.recommend(u, k=10) for u in users}
        failures = []

        def worker(offset):
            for u in users[offset:] + users[:offset]:
                if m.recommend(u, k=10) != expected[u]:
                    failures.append(u)

        threads = [threading.Thread(target=worker, args=(n * 5,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [])


class FilterKindTest(unittest.TestCase):
    """The training-free kinds through the same binding calls."""

    def fitted(self, kind, **settings):
        _, _, train, valid, _ = support.dataset()
        with gnnrec.Trainer(kind, threads=1, **settings) as t:
            return t.fit(train, valid=valid)

    def test_filters_recommend_save_and_fold_in_exactly(self):
        for kind, settings in (("gfcf", {"rank": 16}), ("cheby", {"rank": 16, "order": 3}), ("ease", {"lambda": 50})):
            with self.subTest(kind=kind), self.fitted(kind, **settings) as m:
                self.assertEqual(m.kind, kind)
                user = m.graph.user_ids()[4]
                recs = m.recommend(user, k=10)
                self.assertEqual(len(recs), 10)
                liked = [item for item, _ in m.graph.user_items(user)]
                again = m.recommend_liked(liked, k=10)
                for a, b in zip(recs, again):
                    self.assertAlmostEqual(a.score, b.score, places=4)
                self.assertEqual(len(m.similar_items(m.graph.item_ids()[2], k=5)), 5)
                with self.assertRaises(gnnrec.UnsupportedError):
                    m.fold_in(liked)
                path = os.path.join(support.tmpdir(), kind + ".gnr")
                m.save(path)
                with gnnrec.Model.load(path) as back:
                    self.assertEqual(back.recommend(user, k=10), recs)
                self.assertEqual(m.dim, 0 if kind == "ease" else 16)

    def test_a_filter_grid_reports_each_trial(self):
        _, _, train, valid, _ = support.dataset()
        seen = []

        def trial(number, settings, metric, best_epoch, seconds):
            seen.append((number, settings, metric, best_epoch))

        with gnnrec.Trainer("cheby", threads=1, rank=16, order=3) as t, \
                t.fit(train, valid=valid, trial=trial) as m:
            self.assertGreaterEqual(len(seen), 2)
            self.assertEqual([n for n, _, _, _ in seen], list(range(1, len(seen) + 1)))
            self.assertEqual(t.stat("trials"), len(seen))
            self.assertEqual(m.info("search_trials"), len(seen))
            self.assertTrue(all(sorted(s) == ["alpha", "eps", "norm_exp", "norm_shift", "phi", "skew"] and e == 0 for _, s, _, e in seen))
            best = max(seen, key=lambda x: x[2])
            self.assertAlmostEqual(t.stat("best_valid"), best[2])
            for name, value in best[1].items():
                self.assertAlmostEqual(m.info(name), value, places=6)


class BufferTest(unittest.TestCase):
    """Both array paths: numpy when it is installed, the standard library always."""

    def test_standard_library_path(self):
        saved = _buffers.numpy
        _buffers.numpy = None
        try:
            m = support.model()
            iv = m.item_vectors()
            self.assertIsInstance(iv, memoryview)
            self.assertEqual(iv.shape, (m.graph.num_items, m.dim))
            flat = iv.tolist()
            self.assertEqual(flat[0], list(m.item_vector(m.graph.item_ids()[0])))
            us, its, rs, ts = m.graph.edges()
            self.assertIsInstance(us, list)
        finally:
            _buffers.numpy = saved

    def test_fills_a_caller_buffer_in_place(self):
        import array
        m = support.model()
        out = array.array("f", bytes(4 * m.graph.num_items * m.dim))
        self.assertIs(m.item_vectors(out=out), out)
        self.assertEqual(list(out[: m.dim]), list(m.item_vector(m.graph.item_ids()[0])))
        with self.assertRaises(ValueError):
            m.item_vectors(out=array.array("f", [0.0]))

    @unittest.skipUnless(_buffers.have_numpy(), "numpy is not installed")
    def test_numpy_zero_copy(self):
        import numpy as np
        m = support.model()
        iv = m.item_vectors()
        self.assertIsInstance(iv, np.ndarray)
        self.assertEqual(iv.dtype, np.float32)
        out = np.zeros((m.graph.num_items, m.dim), dtype=np.float32)
        self.assertIs(m.item_vectors(out=out), out)
        np.testing.assert_array_equal(out, iv)
        with self.assertRaises(ValueError):
            m.item_vectors(out=np.zeros((m.graph.num_items, m.dim), dtype=np.float64))
        users = np.array(m.graph.user_ids()[:3], dtype=np.int64)
        items = np.array(m.graph.item_ids()[:3], dtype=np.int64)
        with gnnrec.Graph.from_edges(users, items, like=m.graph) as g:
            self.assertEqual(g.num_edges, 3)


if __name__ == "__main__":
    unittest.main()
