-- 0005_tier_outbox.sql: the memory tier's outbox. A write that the shared
-- memory tier must see (a tweet to add to home timelines, an owner whose
-- entry a Follow or Unfollow invalidates, the followers of an author who
-- became merged at read) records a row here in its own transaction; the
-- server applies it to the tier after the commit and then deletes the row.
-- A row left behind (server killed between commit and tier write, tier
-- down) is applied by any server's sweeper, so nothing the tier missed is
-- lost. Rows are written only when a tier is configured.
--   kind 1: tweet subject_id by author_id fanned out to the author and
--           the author's current followers
--   kind 2: the entry of owner subject_id invalidated
--   kind 3: the entries of every follower of subject_id invalidated
-- No foreign keys: rows live for seconds, and a parent lookup with a shared
-- lock per row would only slow the writes that record them.
CREATE TABLE tier_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  kind TINYINT UNSIGNED NOT NULL,
  subject_id BIGINT UNSIGNED NOT NULL,
  author_id BIGINT UNSIGNED NOT NULL DEFAULT 0,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
