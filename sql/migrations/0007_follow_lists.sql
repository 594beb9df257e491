-- 0007_follow_lists.sql: indexes for ListFollowing and ListFollowers, which
-- page a follow list newest edge first by the keyset (created_at, other id).
--
-- ix_follows_follower_created (follower_id, created_at, followee_id): the
-- accounts one user follows, newest first. The primary key
-- (follower_id, followee_id) is in the wrong order for that.
--
-- ix_follows_followee_created (followee_id, created_at, follower_id): the
-- accounts that follow one user, newest first. It replaces
-- ix_follows_followee_follower (followee_id, follower_id): both start with
-- followee_id, so the new one backs fk_follows_followee as well, and it
-- serves every "WHERE followee_id = ?" read the old one served (fan-out,
-- the memory tier's follower lists, the bulk loader's recounts), covering
-- like it, because an InnoDB secondary index holds the primary key's
-- columns too. No statement needs followers in follower_id order, and an
-- exact edge is always looked up through the primary key. Keeping both
-- would cost every Follow and Unfollow a third B-tree entry for nothing.
-- One ALTER adds the new index before the old one goes, so the foreign key
-- is never without an index.
--
-- With these, a page is one backwards range read of page_size + 1 entries
-- on one index however long the list (docs/profile.md has the figures for
-- an account with a million followers), plus a primary-key lookup of users
-- per entry.
--
-- created_at is the time of the edge: Follow of an existing edge changes
-- nothing (the edge keeps its place), Unfollow deletes the row, and a later
-- Follow inserts a new one with a new created_at, so an account followed
-- again moves to the front of both lists.
ALTER TABLE follows
  ADD KEY ix_follows_follower_created (follower_id, created_at, followee_id),
  ADD KEY ix_follows_followee_created (followee_id, created_at, follower_id),
  DROP KEY ix_follows_followee_follower;
