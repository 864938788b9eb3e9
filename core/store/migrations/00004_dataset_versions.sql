-- Datasets' change feed: every write of a record takes the next version of
-- its dataset, so a reader (the analytics plugin's copy of a dataset) asks
-- for the records written after the last version it saw. The head row is
-- updated in the writing transaction, which serializes a dataset's writers
-- until commit: versions become visible in order, and a reader never skips
-- a write committed late.

-- +goose Up
ALTER TABLE dataset_records ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX dataset_records_version ON dataset_records (org_id, dataset, version, key);

CREATE TABLE dataset_heads (
    org_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    dataset TEXT NOT NULL,
    version BIGINT NOT NULL,
    PRIMARY KEY (org_id, dataset)
);

-- +goose Down
DROP TABLE dataset_heads;
DROP INDEX dataset_records_version;
ALTER TABLE dataset_records DROP COLUMN version;
