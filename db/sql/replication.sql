-- Streaming replication: write-ahead-log positions (db/replication.py), as byte offsets.

-- name: get_current_lsn
-- On the primary: where its write-ahead log has been written to. Asked after a commit, a
-- position at or past that commit.
SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint;

-- name: get_replay_lsn
-- On a standby: how far it has replayed its primary's log (NULL when it is not a standby).
SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint;
