"""data_set.py: the loaded preset a benchmark run measures, kept in a state
directory (the database, manifest.json, a snapshot of the data as loaded and
the "dirty" mark), so that a preset loads once and every run measures the
data as loaded.

Write scenarios (Tweet, the mix) add tweets and trim home timelines, so a
run that writes leaves the dirty mark, and the next run restores the
snapshot taken after loading (or reloads when there is none). Earlier, the
anchor and every figure drifted as each run added a few percent of tweets
(docs/profile.md)."""
import logging
import os
import shutil
import subprocess

import bench_util
from services import BenchError, run_indented

log = logging.getLogger("bench")


class DataSet:
    def __init__(self, db, state_dir, preset, seed):
        self.db, self.preset, self.seed = db, preset, seed
        self.state_dir = state_dir
        self.manifest = os.path.join(state_dir, "manifest.json")
        self.snapshot = os.path.join(state_dir, "snapshot")
        self.dirty = os.path.join(state_dir, "dirty")
        self.data_dir = os.path.join(db.dir, "data")

    def _loaded(self):
        return bench_util.manifest_matches(self.manifest, self.preset, self.seed)

    def prepare(self, generate, repo):
        """Leaves the database running with the preset as loaded: restored
        from the snapshot, reused or loaded anew. Returns the database URL."""
        if self._loaded() and os.path.exists(self.dirty):
            if self.db.running():
                self.db.stop()
            if os.path.isdir(self.snapshot):
                log.info(f"restoring the loaded {self.preset} data set from its snapshot "
                         "(an earlier run wrote to it)")
                shutil.rmtree(self.data_dir, ignore_errors=True)
                _copy_tree(self.snapshot, self.data_dir)
                os.remove(self.dirty)
            else:
                log.info(f"an earlier run wrote to the {self.preset} data set and there is no "
                         "snapshot: reloading")
                os.remove(self.manifest)
        if not self._loaded():
            return self._load(generate)
        url = self.db.start()
        # A data set written to by a run from before the dirty mark existed.
        try:
            tweets = self.db.root_sql("SELECT COUNT(*) FROM miniter.tweets")
        except subprocess.CalledProcessError:
            tweets = None
        if tweets != str(bench_util.read_json(self.manifest)["tweets"]):
            log.info(f"the {self.preset} data set has more tweets than were loaded "
                     "(an earlier run wrote to it): reloading")
            return self._load(generate)
        shown = os.path.relpath(self.state_dir, repo)
        log.info(f"reusing the loaded {self.preset} data set in "
                 f"{self.state_dir if shown.startswith('..') else shown}")
        return url

    def _load(self, generate):
        # Anything else in the directory is a different or half-finished
        # load: start from an empty database.
        if self.db.running():
            self.db.stop()
        shutil.rmtree(self.db.dir, ignore_errors=True)
        shutil.rmtree(self.snapshot, ignore_errors=True)
        for path in (self.manifest, self.dirty):
            if os.path.exists(path):
                os.remove(path)
        url = self.db.start()
        log.info(f"loading preset {self.preset} (seed {self.seed})")
        env = dict(os.environ, MINITER_DATABASE_URL=url)
        run_indented([generate, f"--preset={self.preset}", f"--seed={self.seed}",
                      f"--manifest={self.manifest}.partial"], "miniter-generate",
                     stream="stdout", env=env)
        os.replace(self.manifest + ".partial", self.manifest)
        return url

    def snapshot_if_missing(self):
        """The snapshot a later run restores, taken with the database stopped
        (a copy of a running InnoDB is not consistent); only of a database
        this run runs."""
        if os.path.isdir(self.snapshot):
            return
        if not self.db.started:
            log.info("warning: the database was already running; no snapshot taken, "
                     "so a later run will reload")
            return
        size = subprocess.run(["du", "-sh", self.data_dir], capture_output=True,
                              text=True).stdout.split("\t")[0]
        log.info(f"snapshotting the loaded data set ({size}) for later runs")
        self.db.stop()
        partial = self.snapshot + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        _copy_tree(self.data_dir, partial)
        os.rename(partial, self.snapshot)
        self.db.start()

    def mark_dirty(self):
        """Before a write scenario: the next run restores the snapshot."""
        open(self.dirty, "a").close()


def _copy_tree(src, dst):
    # cp -a keeps owners, modes and times exactly as MariaDB left them.
    result = subprocess.run(["cp", "-a", src, dst])
    if result.returncode != 0:
        raise BenchError(f"cp -a {src} {dst} failed")
