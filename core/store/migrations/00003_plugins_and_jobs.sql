-- The plugin platform: releases verified into the binary store, per-org
-- installations, plugins' per-tenant state, tenants' datasets, and jobs.

-- +goose Up
-- A plugin release (one platform) whose binary was verified and copied into
-- the plugin directory. sha256 is what the binary must hash to before
-- every start; signature and public_key prove who published it.
CREATE TABLE plugin_releases (
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    platform   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    signature  TEXT NOT NULL,
    public_key TEXT NOT NULL,
    source     TEXT NOT NULL,
    summary    TEXT NOT NULL,
    stored_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (name, version, platform)
);

-- One row per plugin an organization installed (one version at a time).
CREATE TABLE plugin_installs (
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    config       TEXT NOT NULL,
    installed_by TEXT NOT NULL,
    installed_at TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, name)
);
CREATE INDEX plugin_installs_release ON plugin_installs (name, version);

-- A plugin's key/value state for one organization.
CREATE TABLE plugin_state (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    plugin     TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      {{blob}} NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, plugin, key)
);

-- Datasets belong to the organization, not to one plugin: records one
-- plugin writes (sync) another reads (analytics). Records are upserted by key.
CREATE TABLE dataset_records (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    dataset    TEXT NOT NULL,
    key        TEXT NOT NULL,
    data       TEXT NOT NULL,
    plugin     TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, dataset, key)
);

-- One row per job (a run of a plugin's job action). runner names the
-- plugin process running the current attempt; only it may report.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    plugin           TEXT NOT NULL,
    plugin_version   TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    status           TEXT NOT NULL,
    progress         INTEGER NOT NULL DEFAULT 0,
    processed_items  BIGINT NOT NULL DEFAULT 0,
    total_items      BIGINT NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    error            TEXT NOT NULL DEFAULT '',
    error_code       TEXT NOT NULL DEFAULT '',
    retryable        BOOLEAN NOT NULL DEFAULT FALSE,
    cancel_requested BOOLEAN NOT NULL DEFAULT FALSE,
    result           TEXT NULL,
    input            TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    runner           TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    started_at       TIMESTAMP NULL,
    finished_at      TIMESTAMP NULL
);
CREATE INDEX jobs_org ON jobs (org_id, id);
CREATE INDEX jobs_active ON jobs (status, plugin);

-- +goose Down
DROP TABLE jobs;
DROP TABLE dataset_records;
DROP TABLE plugin_state;
DROP TABLE plugin_installs;
DROP TABLE plugin_releases;
