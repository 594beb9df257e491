-- 0003_tweet_request_ids.sql: client request ids of tweets, so a retried
-- Tweet (same author, same request_id) is stored once.
--
-- A table of its own rather than a column of tweets: only tweets sent with
-- a request id pay for the extra unique index, and tweets (the largest
-- table) needs no rebuild. The primary key is the dedupe: two concurrent
-- inserts of one (user_id, request_id) cannot both commit. Rows are written
-- only in the transaction that writes their tweet, and kept as long as the
-- tweet (tweets are never deleted), hence no foreign key (it would only
-- cost a parent lookup and a shared lock per row). ascii_bin: ids are
-- case-sensitive printable ASCII (checked by the rules layer).
CREATE TABLE tweet_request_ids (
  user_id BIGINT UNSIGNED NOT NULL,
  request_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  tweet_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (user_id, request_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin ROW_FORMAT=DYNAMIC;
