-- 0002_home_timelines.sql: materialized home timelines (fan-out on write,
-- bounded; hot accounts merged at read). docs/timeline-design.md has the
-- design; server/storage/mysql/timeline_options.h has the knobs.
--
-- Everything here is derived from users, follows and tweets and can be
-- rebuilt from them (MySqlBulkLoader::FinishLoad does that for what it
-- loaded).

-- One row per (owner, tweet) the owner should see: their own tweets and
-- those of followees that are not merged at read. The primary key serves
-- the read path (one range, newest first); the second index serves
-- Unfollow's "delete this author's rows from my timeline".
--
-- No foreign keys, deliberately: a tweet writes up to fanout_threshold rows
-- here, and three foreign keys would cost three parent lookups and three
-- shared locks (on the owner, tweet and author rows) per row. Rows are
-- written only in the transaction that writes the tweet or the follow they
-- derive from, users and tweets are never deleted, and a stale row could at
-- worst show a tweet that still exists.
CREATE TABLE home_timeline (
  owner_id BIGINT UNSIGNED NOT NULL,
  tweet_id BIGINT UNSIGNED NOT NULL,
  author_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (owner_id, tweet_id),
  KEY ix_home_timeline_owner_author (owner_id, author_id, tweet_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;

-- Per author: follower count (kept by Follow/Unfollow in their transaction)
-- and the sticky merged-at-read flag, set when the count first reaches the
-- fan-out threshold and never cleared, so a tweet written while the author
-- was merged (and therefore not fanned out) is never lost when the count
-- drops again.
--
-- A side table rather than columns of users: every tweet and follow takes
-- a shared foreign-key lock on the users rows involved, and Follow must
-- lock this row exclusively; on users those two would upgrade-deadlock
-- (two follows of one account both holding the S lock, both wanting X).
-- Here the row is also the lock that orders an author's fan-out against
-- follows and unfollows of that author. A row appears with the first
-- follow or tweet; a missing row means 0 followers, not merged.
CREATE TABLE author_fanout (
  user_id BIGINT UNSIGNED NOT NULL,
  follower_count INT UNSIGNED NOT NULL,
  merged_at_read TINYINT(1) NOT NULL,
  PRIMARY KEY (user_id),
  CONSTRAINT fk_author_fanout_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;

-- Per owner: home_timeline rows are complete only for tweet ids above
-- `horizon`; older ids are read with the direct indexed query. Raised (never
-- lowered) when trimming drops old rows and when a follow backfills only
-- part of the followee's history. A missing row means horizon 0. Separate
-- from author_fanout so Follow(a, b) locks b's author row and a's horizon
-- row, in that order, and Follow(b, a) cannot lock the same two rows the
-- other way round.
CREATE TABLE home_timeline_horizons (
  owner_id BIGINT UNSIGNED NOT NULL,
  horizon BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (owner_id),
  CONSTRAINT fk_home_timeline_horizons_owner FOREIGN KEY (owner_id)
    REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;

-- Backfill for a populated database. The threshold is the production
-- default of TimelineOptions::fanout_threshold (a migration cannot read
-- server options).
INSERT INTO author_fanout (user_id, follower_count, merged_at_read)
SELECT followee_id, COUNT(*), COUNT(*) >= 1000
  FROM follows
 GROUP BY followee_id;

-- Existing tweets are not copied: every existing user's horizon is set to
-- the newest tweet id, so what was posted before this migration is served
-- by the direct query and only new tweets fan out. This is O(users) however
-- large the database is (copying timelines could outlast the migration
-- lock); the set-based statements of MySqlBulkLoader::FinishLoad, run for
-- all users, can materialize the history offline.
-- On an empty database (every test run) this inserts nothing.
INSERT INTO home_timeline_horizons (owner_id, horizon)
SELECT u.id, m.max_id
  FROM users u
 CROSS JOIN (SELECT MAX(id) AS max_id FROM tweets) m
 WHERE m.max_id IS NOT NULL;
