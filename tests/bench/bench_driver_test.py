#!/usr/bin/env python3
"""bench_driver_test.py: unit tests of the benchmark driver's parts that need
no database (ctest label "unit"): bench/run.py's command line and defaults,
and the computations of bench/bench_util.py (durations, sizes, the workload
and anchor files, sampling, rates, staleness pairs, search prefixes, the
watch scenario's authors)."""
import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))

import bench_util  # noqa: E402
import run  # noqa: E402


class ParseArgsTest(unittest.TestCase):
    def test_defaults_measure_medium(self):
        a = run.parse_args([])
        self.assertEqual((a.preset, a.duration, a.warmup, a.users, a.concurrency),
                         ("medium", "30s", "3s", 5000, 32))
        self.assertEqual(a.load_pcts, [25, 50, 75, 100])
        self.assertEqual((a.db_buffer_pool, a.db_redo_log, a.server_wait), ("2G", "1G", "120s"))
        self.assertEqual(a.scenario_list, ["timeline", "search_users", "user_tweets", "tweet",
                                           "follow", "mix", "watch", "burst"])
        self.assertEqual((a.watch_streams, a.watch_rate), (1000, 20))
        self.assertEqual(a.pool_size, 4 * len(os.sched_getaffinity(0)))
        self.assertTrue(a.tier and a.build)

    def test_quick_is_tiny_and_short_but_flags_win(self):
        a = run.parse_args(["--quick", "--users=3", "--anchor-runs", "2"])
        self.assertEqual((a.preset, a.duration, a.warmup, a.burst_count), ("tiny", "1s", "0.5s", 500))
        self.assertEqual((a.users, a.anchor_runs), (3, 2))
        self.assertEqual((a.db_buffer_pool, a.db_redo_log, a.server_wait), ("256M", "96M", "60s"))

    def test_switches(self):
        a = run.parse_args(["--no-tier", "--no-build", "--trace", "--preset", "large"])
        self.assertFalse(a.tier or a.build)
        self.assertTrue(a.trace)
        self.assertEqual(a.server_wait, "600s")

    def test_rejects_unknown_scenario_preset_load_and_argument(self):
        for argv in (["--scenarios", "timeline,nope"], ["--preset", "huge"], ["--loads", "5x"],
                     ["--bogus"], ["--anchor-query", "fast"], ["--pre", "tiny"]):
            with self.subTest(argv=argv), self.assertRaises(SystemExit), \
                    contextlib.redirect_stderr(io.StringIO()):
                run.parse_args(argv)


class BenchUtilTest(unittest.TestCase):
    def test_seconds(self):
        self.assertEqual(bench_util.seconds("10s"), 10)
        self.assertEqual(bench_util.seconds("500ms"), 0.5)
        self.assertEqual(bench_util.seconds("2m"), 120)
        self.assertEqual(bench_util.seconds("3"), 3)
        with self.assertRaises(ValueError):
            bench_util.seconds("1h")

    def test_iec_bytes_as_numfmt(self):
        self.assertEqual(bench_util.iec_bytes("256M"), 256 * 1024**2)
        self.assertEqual(bench_util.iec_bytes("2G"), 2 * 1024**3)
        self.assertEqual(bench_util.iec_bytes("1024"), 1024)
        with self.assertRaises(ValueError):
            bench_util.iec_bytes("2 gigs")

    def test_slap_next_grows_until_half_the_target(self):
        self.assertEqual(bench_util.slap_next(5.0, 1000, 10.0), 0)
        self.assertEqual(bench_util.slap_next(1.0, 1000, 10.0), 10000)
        self.assertEqual(bench_util.slap_next(4.0, 1000, 10.0), 2500)
        self.assertEqual(bench_util.slap_next(4.9, 1000, 10.0), 2040)
        self.assertEqual(bench_util.slap_next(0.0, 10, 10.0), 100000)

    def test_slap_repeats(self):
        self.assertEqual(bench_util.slap_repeats(16, quick=True), 4)
        self.assertEqual(bench_util.slap_repeats(5000, quick=False), 3)
        self.assertEqual(bench_util.slap_repeats(256, quick=False), 40)
        self.assertEqual(bench_util.slap_repeats(20000, quick=False), 2)

    def test_rate_is_at_least_one(self):
        self.assertEqual(bench_util.rate(200, 50), 100.0)
        self.assertEqual(bench_util.rate(1.5, 25), 1.0)

    def test_sample_is_repeatable(self):
        ids = [str(i) for i in range(1, 101)]
        self.assertEqual(bench_util.sample(ids, 10, 1), bench_util.sample(ids, 10, 1))
        self.assertNotEqual(bench_util.sample(ids, 10, 1), bench_util.sample(ids, 10, 2))
        self.assertEqual(sorted(bench_util.sample(ids, 500, 1)), sorted(ids))

    def test_workload_and_anchor_files(self):
        with tempfile.TemporaryDirectory() as d:
            tokens = os.path.join(d, "tokens.tsv")
            with open(tokens, "w") as f:
                f.write("7\ttok7\n9\ttok9\n")
            workload, anchor = os.path.join(d, "w.tsv"), os.path.join(d, "a.sql")
            n = bench_util.write_workload(tokens, {"7": "1,2"}, workload, anchor, 3)
            self.assertEqual(n, 2)
            with open(workload) as f:
                self.assertEqual(f.read(), "7\ttok7\t1,2\n9\ttok9\t\n")
            with open(anchor) as f:
                queries = f.read().splitlines()
            self.assertEqual(len(queries), 6)
            self.assertEqual(queries.count(
                "SELECT id, user_id, text, created_at FROM tweets WHERE user_id IN (1,2,7) "
                "ORDER BY id DESC LIMIT 50;"), 3)
            self.assertIn("WHERE user_id IN (9) ORDER", queries[0] + queries[1])

    def test_name_prefixes_are_1_to_3_characters_of_the_names(self):
        names = ["Mina 김민수 42", "변성윤", " leading space", "Zoë"]
        prefixes = bench_util.name_prefixes(names, 200, 1)
        self.assertEqual(len(prefixes), 200)
        self.assertEqual(prefixes, bench_util.name_prefixes(names, 200, 1))
        # Characters are code points: "변성윤"[:2] is two Hangul syllables.
        self.assertEqual(set(prefixes), {"M", "Mi", "Min", "변", "변성", "변성윤",
                                         "Z", "Zo", "Zoë"})
        self.assertEqual(bench_util.name_prefixes(["  ", ""], 5, 1), [])

    def test_most_followed_counts_the_workload_follow_lists(self):
        lines = ["1\tt\t7,8,9\n", "2\tt\t8,9\n", "3\tt\t9,10\n", "4\tt\t\n", "5\tt\n"]
        self.assertEqual(bench_util.most_followed(lines, 3), ["9", "8", "7"])
        self.assertEqual(bench_util.most_followed(lines, 10), ["9", "8", "7", "10"])

    def test_staleness_pairs_need_both_tokens(self):
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
            f.write("1\tt1\n2\tt2\n")
        try:
            lines = bench_util.staleness_pairs([("1", "2"), ("1", "3")], f.name)
        finally:
            os.remove(f.name)
        self.assertEqual(lines, ["1\tt1\t2\tt2\n"])

    def test_manifest_matches(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "manifest.json")
            self.assertFalse(bench_util.manifest_matches(path, "tiny", 1))
            with open(path, "w") as f:
                json.dump({"preset": "tiny", "seed": 1}, f)
            self.assertTrue(bench_util.manifest_matches(path, "tiny", 1))
            self.assertFalse(bench_util.manifest_matches(path, "tiny", 2))
            self.assertFalse(bench_util.manifest_matches(path, "medium", 1))

    def test_client_cnf_unquotes_and_names_the_database(self):
        cnf = bench_util.client_cnf("mysql://miniter:p%40ss@127.0.0.1:13320/miniter")
        self.assertIn("[client]\nhost=127.0.0.1\nport=13320\nuser=miniter\npassword=p@ss\n", cnf)
        self.assertTrue(cnf.endswith("[mysql]\ndatabase=miniter\n"))


if __name__ == "__main__":
    unittest.main()
