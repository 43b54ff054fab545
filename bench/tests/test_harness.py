#!/usr/bin/env python3
"""The benchmark harness without benchmarks: bench/measure.py's rows (ok,
failed, timed out), bench/run's splicing of one suite's section into an
existing report, and the table suite's plan (skips with their reasons,
subsets, unknown names) and its record of rows kept across runs.  No timing is asserted.  Standard library only.

    python3 bench/tests/test_harness.py
"""
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import types
import unittest

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name, path):
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


run = load("bench_run", os.path.join(BENCH, "run"))


def measure(*args):
    p = subprocess.run([sys.executable, os.path.join(BENCH, "measure.py")] + list(args), capture_output=True,
                       text=True, check=True)
    return json.loads(p.stdout.strip().splitlines()[-1])


class Measure(unittest.TestCase):
    def test_ok_row_carries_the_last_json_numbers(self):
        code = 'print("progress"); print("{\\"recall@20\\": 0.25, \\"model\\": \\"x\\"}"); ' \
               'print("{\\"recall@20\\": 0.5, \\"ndcg@20\\": 0.125}")'
        r = measure("--field", "dataset=d", "--", sys.executable, "-c", code)
        self.assertEqual((r["status"], r["dataset"], r["exit"]), ("ok", "d", 0))
        self.assertEqual((r["recall@20"], r["ndcg@20"]), (0.5, 0.125))
        for k in ("wall_s", "cpu_s", "peak_rss_mb"):
            self.assertGreaterEqual(r[k], 0)

    def test_peak_rss_sees_the_command_memory(self):
        r = measure("--", sys.executable, "-c", "x = bytearray(80 << 20); x[::4096] = b'1' * len(x[::4096])")
        self.assertGreater(r["peak_rss_mb"], 80)

    def test_failure_keeps_status_and_message(self):
        r = measure("--", "sh", "-c", "echo first >&2; echo 'the reason' >&2; exit 3")
        self.assertEqual((r["status"], r["exit"], r["error"]), ("failed", 3, "the reason"))
        self.assertNotIn("recall@20", r)

    def test_timeout_kills_and_marks_the_row(self):
        r = measure("--timeout", "0.5", "--", "sh", "-c", "sleep 30")
        self.assertEqual(r["status"], "timeout")
        self.assertLess(r["wall_s"], 25)  # killed, not waited for


class Suite(types.SimpleNamespace):
    def report(self, ctx, results, table):
        return self.text


class Splice(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "b.md")
        self.s = Suite(NAME="t", TITLE="T", BENCHES=[], text="first", LISTS_COMMANDS=True)

    def tearDown(self):
        self.dir.cleanup()

    def write(self, text):
        with open(self.path, "w") as f:
            f.write(text)

    def read(self):
        with open(self.path) as f:
            return f.read()

    def test_inserted_before_commands_then_replaced_in_place(self):
        self.write("# B\n\n## Other\n\nkept\n\n## Commands\n\n- x\n")
        run.splice_doc(None, self.path, [self.s], {})
        text = self.read()
        self.assertIn("## T\n\nfirst", text)
        self.assertLess(text.index("## T"), text.index("## Commands"))
        self.s.text = "second"
        run.splice_doc(None, self.path, [self.s], {})
        text = self.read()
        self.assertNotIn("first", text)
        self.assertEqual(text.count(run.marker("t", False)), 1)
        self.assertIn("## Other\n\nkept", text)
        self.assertTrue(text.endswith("## Commands\n\n- x\n"))

    def test_goal_rows_of_the_suites_run_are_replaced(self):
        import datetime
        goals = "## Goals\n\n| goal | t | m | met |\n|---|---|---|---|\n| 1. a | x | old1 | no |\n| 7. b | y | old7 | no |\n\n## Next\n"
        self.s.goals = lambda ctx, results: [["7. b", "y", "new7", "yes"]]
        ctx = types.SimpleNamespace(started=datetime.datetime(2026, 1, 1), info={"commit": "abc"})
        text = run.splice_goals(ctx, goals, [self.s], {})
        self.assertIn("| 1. a | x | old1 | no |", text)
        self.assertIn("| 7. b | y | new7 | yes |", text)
        self.assertNotIn("old7", text)
        self.assertIn("Goal row 7. was measured again", text)
        self.assertIn("commit abc", text)
        again = run.splice_goals(ctx, text, [self.s], {})
        self.assertEqual(again.count("Goal row"), 1)
        self.assertTrue(again.endswith("\n\n## Next\n"))

    def test_earlier_notes_go_when_their_rows_are_measured_again(self):
        import datetime
        table = "## Goals\n\n| goal | t | m | met |\n|---|---|---|---|\n| 1. a | x | m1 | no |\n| 7. b | y | m7 | no |\n| 9. c | z | m9 | no |"
        notes = ("\n\nGoal row 7. was measured again by `bench/run --only s` on 2025-01-01 00:00 UTC, commit old7; x."
                 "\n\nGoal rows 1., 9. were measured again by `bench/run --only s,u` on 2025-01-02 00:00 UTC, commit old19; x.")
        self.s.goals = lambda ctx, results: [["7. b", "y", "new7", "yes"]]
        ctx = types.SimpleNamespace(started=datetime.datetime(2026, 1, 1), info={"commit": "abc"})
        text = run.splice_goals(ctx, table + notes + "\n\n## Next\n", [self.s], {})
        self.assertNotIn("old7", text)
        self.assertIn("commit old19", text)
        self.assertLess(text.index("commit abc"), text.index("commit old19"))
        self.assertTrue(text.endswith("\n\n## Next\n"))
        self.s.goals = lambda ctx, results: [["1. a", "x", "n1", "yes"], ["9. c", "z", "n9", "yes"]]
        text = run.splice_goals(ctx, text, [self.s], {})
        self.assertNotIn("old19", text)
        self.assertIn("Goal rows 1., 9. were measured again", text)
        self.assertIn("Goal row 7. was measured again", text)

    def test_a_section_without_markers_is_replaced_under_its_heading(self):
        self.write("# B\n\n## T\n\nold\n\n## Other\n\nkept\n\n## Commands\n\n- x\n")
        run.splice_doc(None, self.path, [self.s], {})
        text = self.read()
        self.assertNotIn("old", text)
        self.assertEqual(text.count("## T\n"), 1)
        self.assertLess(text.index("## T"), text.index("## Other"))
        self.assertIn("## Other\n\nkept", text)

    def test_a_section_without_markers_keeps_the_next_suites_marker(self):
        nxt = run.marker("u", False)
        self.write(f"# B\n\n## T\n\nold\n\n{nxt}\n## U\n\nkept\n{run.marker('u', True)}\n")
        run.splice_doc(None, self.path, [self.s], {})
        text = self.read()
        self.assertNotIn("old", text)
        self.assertIn(f"{nxt}\n## U\n\nkept", text)
        self.assertLess(text.index(run.marker("t", True)), text.index(nxt))

    def test_appended_without_a_commands_section(self):
        self.write("# B\n")
        run.splice_doc(None, self.path, [self.s], {})
        self.assertTrue(self.read().rstrip().endswith(run.marker("t", True)))


class Ctx(types.SimpleNamespace):
    def gnnrec(self):
        return "/g/gnnrec"

    def script(self, name):
        return os.path.join(BENCH, name)

    def reps(self, n):
        return n


class TablePlan(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        os.makedirs(os.path.join(d, "data", "ml100k"))
        for f in ("u1.base", "u1.test"):
            with open(os.path.join(d, "data", "ml100k", f), "w") as fh:
                fh.write("1\t1\t5\t0\n")
        self.table = load("suite_table", os.path.join(BENCH, "suites", "table.py"))
        self.table.Bench = run.Bench

    def tearDown(self):
        self.dir.cleanup()

    def ctx(self, datasets="", models="", smoke=False):
        d = self.dir.name
        return Ctx(root=d, data=os.path.join(d, "data"), tmp=os.path.join(d, "tmp"), smoke=smoke,
                   python=sys.executable, args=types.SimpleNamespace(datasets=datasets, models=models,
                                                                     cmd_timeout=60))

    def test_absent_data_and_oversized_ease_are_stated_skips(self):
        plan = self.table.plan(self.ctx())
        skips = {(d, m): why for d, m, _, why in plan if why}
        self.assertIn("absent", skips[("gowalla", "lightgcn")])
        self.assertIn("absent", skips[("wn18rr", "rotate")])
        self.assertNotIn(("ml100k_implicit", "lightgcn"), skips)
        # a 4 GiB machine: 2,000 users and 20,000 items need 3.0 GiB the users' way
        self.table._memory_bytes = lambda: 4 << 30
        plan = self.table.plan(self.ctx(datasets="synth_wide", models="ease"))
        self.assertEqual(len(plan), 1)
        self.assertIn("EASE needs 3.0 GiB for its users x users and items x items matrices", plan[0][3])
        # fewer items than users: the items' way, 20 bytes an item pair
        self.assertIn("items x items matrices (20,000 items)", self.table._ease_skip(
            types.SimpleNamespace(smoke=False), "x", ["--train", self._ratings(30000, 20000)]))

    def _ratings(self, users, items):
        """A ratings file of `users` users and `items` items, one line each at least."""
        path = os.path.join(self.dir.name, "wide.base")
        with open(path, "w") as fh:
            for k in range(max(users, items)):
                fh.write("%d\t%d\t5\t0\n" % (k % users, k % items))
        return path

    def test_subset_commands_are_the_defaults(self):
        ctx = self.ctx(datasets="ml100k_implicit,ml100k_ratings", models="lightgcn,graphsage-rating")
        benches = self.table.benchmarks(ctx)
        cmds = {b.name: b.cmd[b.cmd.index("--") + 1:] for b in benches}
        self.assertEqual(set(cmds), {"table_ml100k_implicit_lightgcn", "table_ml100k_ratings_graphsage-rating"})
        self.assertEqual(cmds["table_ml100k_implicit_lightgcn"][1:5], ["train", "--model", "lightgcn", "--train"])
        self.assertIn("--min-rating", cmds["table_ml100k_implicit_lightgcn"])
        self.assertEqual(cmds["table_ml100k_ratings_graphsage-rating"][2:6],
                         ["--model", "graphsage", "--objective", "rating"])
        self.assertTrue(all(b.cmd[b.cmd.index("--timeout") + 1] == "60" for b in benches))

    def test_smoke_keeps_generated_data_only(self):
        names = {d for d, *_ in self.table.plan(self.ctx(smoke=True))}
        self.assertEqual(names, set(self.table.SYNTH))

    def result(self, **row):
        r = run.Result(run.Bench("x", ["x"]))
        r.rows, r.load = [dict(row, status="ok")], [0.5]
        return r

    def test_rows_of_earlier_runs_are_kept_with_their_commit(self):
        import datetime
        fmt = lambda header, rows: "\n".join("|".join(map(str, r)) for r in [header] + rows)
        ctx = self.ctx(datasets="ml100k_implicit", models="lightgcn")
        ctx.info, ctx.started = {"commit": "aaa"}, datetime.datetime(2026, 1, 1)
        self.table.report(ctx, {"table_ml100k_implicit_lightgcn": self.result(**{"recall@20": 0.25})}, fmt)
        ctx = self.ctx(datasets="ml100k_implicit", models="mf")
        ctx.info, ctx.started = {"commit": "bbb"}, datetime.datetime(2026, 1, 2)
        text = self.table.report(ctx, {"table_ml100k_implicit_mf": self.result(**{"recall@20": 0.125})}, fmt)
        lines = {tuple(l.split("|")[:2]): l for l in text.splitlines() if l.startswith("ml100k_implicit|")}
        self.assertIn("0.2500", lines[("ml100k_implicit", "lightgcn")])
        self.assertIn("2026-01-01 00:00, aaa, load 0.5", lines[("ml100k_implicit", "lightgcn")])
        self.assertIn("0.1250", lines[("ml100k_implicit", "mf")])
        self.assertIn("bbb", lines[("ml100k_implicit", "mf")])
        self.assertIn("not measured", lines[("ml100k_implicit", "gfcf")])
        with open(os.path.join(self.dir.name, "bench", "results", "table.json")) as f:
            self.assertEqual(set(json.load(f)), {"ml100k_implicit/lightgcn", "ml100k_implicit/mf"})

    def test_unknown_names_are_refused(self):
        with self.assertRaises(SystemExit):
            self.table.plan(self.ctx(datasets="ml25m"))
        with self.assertRaises(SystemExit):
            self.table.plan(self.ctx(models="ngcf"))


if __name__ == "__main__":
    unittest.main()
