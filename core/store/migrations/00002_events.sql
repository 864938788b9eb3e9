-- The event journal (single-node mode; replicas sharing NATS keep it in
-- JetStream instead) and stored notifications.

-- +goose Up
-- One row per organization: the authority for its sequence numbers.
CREATE TABLE org_streams (
    org_id     TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    last_seq   BIGINT NOT NULL DEFAULT 0,
    -- Highest sequence removed by retention: history starts after it.
    pruned_seq BIGINT NOT NULL DEFAULT 0,
    epoch      TEXT NOT NULL
);

CREATE TABLE events (
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    seq            BIGINT NOT NULL,
    prev_seq       BIGINT NOT NULL,
    id             TEXT NOT NULL,
    type           TEXT NOT NULL,
    source         TEXT NOT NULL,
    target_user_id TEXT NOT NULL DEFAULT '',
    data           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, seq)
);
CREATE INDEX events_created ON events (created_at);

-- Notifications are kept until read. user_id NULL: for every member.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id    TEXT NULL,
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    message    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notifications_org ON notifications (org_id, created_at);

CREATE TABLE notification_reads (
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    read_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (notification_id, user_id)
);

-- The activity feed: the events people act on or are told about (not
-- measurements or progress), kept per organization by count.
CREATE TABLE activity (
    org_id         TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    seq            BIGINT NOT NULL,
    id             TEXT NOT NULL,
    type           TEXT NOT NULL,
    source         TEXT NOT NULL,
    target_user_id TEXT NOT NULL DEFAULT '',
    data           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, seq)
);

-- +goose Down
DROP TABLE activity;
DROP TABLE notification_reads;
DROP TABLE notifications;
DROP TABLE events;
DROP TABLE org_streams;
