-- 0001_initial.sql: miniter's first schema (users, tweets, follows).
--
-- Every table spells out engine, character set, collation and row format so
-- the schema does not depend on how the server was configured. utf8mb4_bin
-- everywhere: uniqueness of email_key is exactly byte equality on the key the
-- rules layer already case-folded, and no column is ever compared under a
-- linguistic collation (utf8mb4_unicode_ci treats all emoji as equal, which
-- would be wrong anywhere we might compare or group). VARCHAR lengths count
-- code points under utf8mb4, so VARCHAR(300) holds 300 emoji.
--
-- Timestamps are DATETIME(6) holding UTC, written by the stores with
-- UTC_TIMESTAMP(6); there are no column defaults on purpose, so an INSERT
-- that forgets created_at fails under strict mode instead of storing a
-- local-time value.

CREATE TABLE users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(255) NOT NULL,
  email VARCHAR(254) NOT NULL,
  email_key VARCHAR(254) NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  profile VARCHAR(2000) NOT NULL DEFAULT '',
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_users_email_key (email_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;

-- (user_id, id) serves both the foreign key and the timeline: one index
-- range per author, already in id order.
CREATE TABLE tweets (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id BIGINT UNSIGNED NOT NULL,
  text VARCHAR(300) NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  KEY ix_tweets_user_id_id (user_id, id),
  CONSTRAINT fk_tweets_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;

-- The primary key answers "whom does X follow" (timelines); the second
-- index answers "who follows X" and backs the followee foreign key. The
-- CHECK backs up the rules layer, which rejects self-follows first.
CREATE TABLE follows (
  follower_id BIGINT UNSIGNED NOT NULL,
  followee_id BIGINT UNSIGNED NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (follower_id, followee_id),
  KEY ix_follows_followee_follower (followee_id, follower_id),
  CONSTRAINT fk_follows_follower FOREIGN KEY (follower_id) REFERENCES users (id),
  CONSTRAINT fk_follows_followee FOREIGN KEY (followee_id) REFERENCES users (id),
  CONSTRAINT ck_follows_not_self CHECK (follower_id <> followee_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;
