-- 0006_user_profiles.sql: what GetUser and SearchUsers read: the search key
-- of each name (users.name_key) and each user's follower and following
-- counts (user_follow_counts).
--
-- name_key is the name after NFC and full Unicode case folding, computed by
-- the rules layer (rules::NameKey, on utf8proc) like users.email_key;
-- SearchUsers is a prefix LIKE on it, one range of ix_users_name_key_id,
-- keyset-paged by (name_key, id). Folding can lengthen a name (U+00DF "ß"
-- becomes "ss"; a few such as U+FB03 "ﬃ" become three), by at most
-- 3 code points per code point, so a 255-character name has a key of at
-- most 765 code points: VARCHAR(765). The index holds the whole column, not
-- a prefix: a prefix index could neither return rows in (name_key, id)
-- order nor stop after a page, so every page would sort all matches. Its
-- key counts 765 * 4 bytes (utf8mb4) + 8 (id) = 3068 bytes against
-- InnoDB's 3072-byte limit (ROW_FORMAT=DYNAMIC): it fits, and MariaDB 10.11
-- refuses VARCHAR(767) here, so there is no room for a longer column.
--
-- Existing rows cannot be folded in SQL (no collation does full case
-- folding), so the column is nullable: the server fills the missing keys in
-- batches at start-up, before it serves (rules::FillMissingNameKeys), and
-- every new user gets its key when it is created. A NULL key is never
-- matched by LIKE, so until then such a user is only not found by search.
ALTER TABLE users
  ADD COLUMN name_key VARCHAR(765) NULL,
  ADD KEY ix_users_name_key_id (name_key, id);

-- Counts kept exact by Follow and Unfollow in their own transaction, only
-- when an edge is really added or removed. A side table rather than columns
-- of users, for the reason 0002 gives for author_fanout: every tweet and
-- follow takes a shared foreign-key lock on the users rows involved, so an
-- UPDATE of those rows in Follow would upgrade-deadlock two follows of one
-- account, and a hot author's tweets would queue behind follows of them.
-- Follow and Unfollow lock the two rows here in increasing user_id order,
-- after the followee's author_fanout row. A missing row means 0 and 0.
CREATE TABLE user_follow_counts (
  user_id BIGINT UNSIGNED NOT NULL,
  follower_count BIGINT UNSIGNED NOT NULL,
  following_count BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (user_id),
  CONSTRAINT fk_user_follow_counts_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;

-- The counts of the edges that exist now; one pass over each follows index.
INSERT INTO user_follow_counts (user_id, follower_count, following_count)
SELECT e.user_id, SUM(e.follower), SUM(e.following) FROM (
  SELECT followee_id AS user_id, 1 AS follower, 0 AS following FROM follows
  UNION ALL
  SELECT follower_id, 0, 1 FROM follows
) e GROUP BY e.user_id;
