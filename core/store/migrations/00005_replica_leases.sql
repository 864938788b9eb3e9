-- Jobs belong to the core process (replica) that launched them: their
-- plugin processes run beside it and die with it. A serving replica
-- renews its lease here; another replica fails, as retryable, the
-- unfinished jobs of a replica whose lease has lapsed, and never those of
-- a live one. Rows from before this migration have no replica ('') and
-- are treated as a gone replica's.

-- +goose Up
ALTER TABLE jobs ADD COLUMN replica TEXT NOT NULL DEFAULT '';
CREATE TABLE core_replicas (
    id      TEXT PRIMARY KEY,
    seen_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE core_replicas;
ALTER TABLE jobs DROP COLUMN replica;
