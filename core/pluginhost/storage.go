package pluginhost

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/switchyard/switchyard/core/store"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
)

// storage keeps plugins' per-tenant state and tenants' datasets in the
// database. It is safe for concurrent use.
type storage struct {
	db *store.DB
}

type stateRow struct {
	OrgID     string `gorm:"primaryKey"`
	Plugin    string `gorm:"primaryKey"`
	Key       string `gorm:"primaryKey"`
	Value     []byte
	UpdatedAt time.Time
}

func (stateRow) TableName() string { return "plugin_state" }

type recordRow struct {
	OrgID     string `gorm:"primaryKey"`
	Dataset   string `gorm:"primaryKey"`
	Key       string `gorm:"primaryKey"`
	Data      string
	Plugin    string
	UpdatedAt time.Time
	// Version orders the dataset's writes (its change feed); rows written
	// before the feed existed have 0.
	Version int64
}

func (recordRow) TableName() string { return "dataset_records" }

const defaultPage = 100

func pageLimit(l int) int {
	if l <= 0 {
		return defaultPage
	}
	return min(l, grpcplugin.MaxPageSize)
}

// Cursors are the last key of the previous page, base64url-encoded so any
// key survives the trip.
func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", fmt.Errorf("%w: cursor is not one this listing returned", grpcplugin.ErrInvalidInput)
	}
	return string(b), nil
}

func (s *storage) stateGet(ctx context.Context, orgID, plugin, key string) ([]byte, bool, error) {
	var r stateRow
	err := s.db.WithContext(ctx).Where("org_id = ? AND plugin = ? AND key = ?", orgID, plugin, key).Limit(1).Find(&r).Error
	if err != nil {
		return nil, false, fmt.Errorf("state get: %w", err)
	}
	if r.Key == "" {
		return nil, false, nil
	}
	if r.Value == nil {
		r.Value = []byte{}
	}
	return r.Value, true, nil
}

func (s *storage) statePut(ctx context.Context, orgID, plugin, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	r := stateRow{OrgID: orgID, Plugin: plugin, Key: key, Value: value, UpdatedAt: time.Now().UTC()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "org_id"}, {Name: "plugin"}, {Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value", "updated_at"}),
	}).Create(&r).Error
	if err != nil {
		return fmt.Errorf("state put: %w", err)
	}
	return nil
}

func (s *storage) stateDelete(ctx context.Context, orgID, plugin, key string) error {
	if err := s.db.WithContext(ctx).Where("org_id = ? AND plugin = ? AND key = ?", orgID, plugin, key).Delete(&stateRow{}).Error; err != nil {
		return fmt.Errorf("state delete: %w", err)
	}
	return nil
}

func (s *storage) stateList(ctx context.Context, orgID, plugin, prefix string, page grpcplugin.PageRequest) (grpcplugin.StatePage, error) {
	after, err := decodeCursor(page.Cursor)
	if err != nil {
		return grpcplugin.StatePage{}, err
	}
	limit := pageLimit(page.Limit)
	q := s.db.WithContext(ctx).Where("org_id = ? AND plugin = ? AND key > ?", orgID, plugin, after)
	if prefix != "" {
		// substr, not LIKE: no escaping, and case-sensitive on SQLite too.
		q = q.Where("substr(key, 1, ?) = ?", utf8.RuneCountInString(prefix), prefix)
	}
	var rows []stateRow
	if err := q.Order("key").Limit(limit + 1).Find(&rows).Error; err != nil {
		return grpcplugin.StatePage{}, fmt.Errorf("state list: %w", err)
	}
	var out grpcplugin.StatePage
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = encodeCursor(rows[limit-1].Key)
	}
	for _, r := range rows {
		out.Items = append(out.Items, grpcplugin.StateItem{Key: r.Key, Value: r.Value})
	}
	return out, nil
}

// forgetState drops a plugin's state in an organization (uninstall).
func (s *storage) forgetState(ctx context.Context, orgID, plugin string) error {
	return s.db.WithContext(ctx).Where("org_id = ? AND plugin = ?", orgID, plugin).Delete(&stateRow{}).Error
}

// datasetAppend upserts records by key and counts inserts and updates. A
// key repeated within the batch is stored once, the last one winning.
func (s *storage) datasetAppend(ctx context.Context, orgID, plugin, dataset string, records []grpcplugin.Record) (grpcplugin.AppendResult, error) {
	if len(records) == 0 {
		return grpcplugin.AppendResult{}, nil
	}
	now := time.Now().UTC()
	index := make(map[string]int, len(records))
	rows := make([]recordRow, 0, len(records))
	for _, r := range records {
		row := recordRow{OrgID: orgID, Dataset: dataset, Key: r.Key, Data: string(r.Data), Plugin: plugin, UpdatedAt: now}
		if i, ok := index[r.Key]; ok {
			rows[i] = row
			continue
		}
		index[r.Key] = len(rows)
		rows = append(rows, row)
	}
	keys := make([]string, len(rows))
	for i := range rows {
		keys[i] = rows[i].Key
	}
	var res grpcplugin.AppendResult
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var existing int64
		if err := tx.Model(&recordRow{}).Where("org_id = ? AND dataset = ? AND key IN ?", orgID, dataset, keys).Count(&existing).Error; err != nil {
			return err
		}
		res.Inserted = len(rows) - int(existing)
		res.Updated = len(records) - res.Inserted
		// Take the next len(rows) versions of the dataset. The head row
		// stays locked until commit, so the dataset's writes commit in
		// version order and the change feed never skips one.
		var last int64
		n := int64(len(rows))
		if err := tx.Raw(`INSERT INTO dataset_heads (org_id, dataset, version) VALUES (?, ?, ?)
			ON CONFLICT (org_id, dataset) DO UPDATE SET version = dataset_heads.version + ? RETURNING version`,
			orgID, dataset, n, n).Row().Scan(&last); err != nil {
			return fmt.Errorf("versions: %w", err)
		}
		for i := range rows {
			rows[i].Version = last - n + 1 + int64(i)
		}
		return tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "org_id"}, {Name: "dataset"}, {Name: "key"}},
			DoUpdates: clause.AssignmentColumns([]string{"data", "plugin", "updated_at", "version"}),
		}).CreateInBatches(rows, 250).Error
	})
	if err != nil {
		return grpcplugin.AppendResult{}, fmt.Errorf("dataset append: %w", err)
	}
	return res, nil
}

func (s *storage) datasetQuery(ctx context.Context, orgID, dataset string, page grpcplugin.PageRequest) (grpcplugin.RecordPage, error) {
	after, err := decodeCursor(page.Cursor)
	if err != nil {
		return grpcplugin.RecordPage{}, err
	}
	limit := pageLimit(page.Limit)
	var rows []recordRow
	if err := s.db.WithContext(ctx).Where("org_id = ? AND dataset = ? AND key > ?", orgID, dataset, after).
		Order("key").Limit(limit + 1).Find(&rows).Error; err != nil {
		return grpcplugin.RecordPage{}, fmt.Errorf("dataset query: %w", err)
	}
	if len(rows) == 0 && after == "" {
		return grpcplugin.RecordPage{}, fmt.Errorf("dataset %q: %w", dataset, grpcplugin.ErrNotFound)
	}
	var out grpcplugin.RecordPage
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextCursor = encodeCursor(rows[limit-1].Key)
	}
	for _, r := range rows {
		out.Records = append(out.Records, grpcplugin.Record{Key: r.Key, Data: []byte(r.Data)})
	}
	return out, nil
}

func (s *storage) datasetList(ctx context.Context, orgID string) ([]grpcplugin.DatasetInfo, error) {
	var out []grpcplugin.DatasetInfo
	err := s.db.WithContext(ctx).Model(&recordRow{}).Select("dataset AS name, COUNT(*) AS records").
		Where("org_id = ?", orgID).Group("dataset").Order("dataset").Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("dataset list: %w", err)
	}
	return out, nil
}

// Change feed cursors are "version:key" of the last record returned,
// base64url-encoded: rows written before the feed existed share version 0
// and are told apart by key.
func encodeChangeCursor(version int64, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(version, 10) + ":" + key))
}

func decodeChangeCursor(c string) (int64, string, error) {
	if c == "" {
		return -1, "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		v, key, ok := strings.Cut(string(b), ":")
		if ok {
			n, perr := strconv.ParseInt(v, 10, 64)
			if perr == nil && n >= 0 {
				return n, key, nil
			}
		}
	}
	return 0, "", fmt.Errorf("%w: cursor is not one this change feed returned", grpcplugin.ErrInvalidInput)
}

// datasetChanges returns the records written after the cursor, in write
// (version) order.
func (s *storage) datasetChanges(ctx context.Context, orgID, dataset string, page grpcplugin.PageRequest) (grpcplugin.ChangePage, error) {
	version, key, err := decodeChangeCursor(page.Cursor)
	if err != nil {
		return grpcplugin.ChangePage{}, err
	}
	limit := pageLimit(page.Limit)
	var rows []recordRow
	if err := s.db.WithContext(ctx).Where("org_id = ? AND dataset = ? AND (version > ? OR (version = ? AND key > ?))", orgID, dataset, version, version, key).
		Order("version").Order("key").Limit(limit + 1).Find(&rows).Error; err != nil {
		return grpcplugin.ChangePage{}, fmt.Errorf("dataset changes: %w", err)
	}
	out := grpcplugin.ChangePage{Cursor: page.Cursor}
	if len(rows) == 0 {
		if page.Cursor == "" {
			var n int64
			if err := s.db.WithContext(ctx).Model(&recordRow{}).Where("org_id = ? AND dataset = ?", orgID, dataset).Limit(1).Count(&n).Error; err != nil {
				return grpcplugin.ChangePage{}, fmt.Errorf("dataset changes: %w", err)
			}
			if n == 0 {
				return grpcplugin.ChangePage{}, fmt.Errorf("dataset %q: %w", dataset, grpcplugin.ErrNotFound)
			}
		}
		return out, nil
	}
	if len(rows) > limit {
		rows, out.More = rows[:limit], true
	}
	last := rows[len(rows)-1]
	out.Cursor = encodeChangeCursor(last.Version, last.Key)
	out.Records = make([]grpcplugin.Record, 0, len(rows))
	for _, r := range rows {
		out.Records = append(out.Records, grpcplugin.Record{Key: r.Key, Data: []byte(r.Data)})
	}
	return out, nil
}

// orgSizes are the sizes Usage reports from the database.
type orgSizes struct {
	Datasets       int
	DatasetRecords int64
	DatasetBytes   int64
	StateBytes     int64
}

func (s *storage) sizes(ctx context.Context, orgID string) (orgSizes, error) {
	var out orgSizes
	var ds struct {
		Datasets int
		Records  int64
		Bytes    int64
	}
	if err := s.db.WithContext(ctx).Model(&recordRow{}).
		Select("COUNT(DISTINCT dataset) AS datasets, COUNT(*) AS records, COALESCE(SUM(LENGTH(data)), 0) AS bytes").
		Where("org_id = ?", orgID).Scan(&ds).Error; err != nil {
		return out, fmt.Errorf("dataset sizes: %w", err)
	}
	out.Datasets, out.DatasetRecords, out.DatasetBytes = ds.Datasets, ds.Records, ds.Bytes
	var st struct{ Bytes int64 }
	if err := s.db.WithContext(ctx).Model(&stateRow{}).
		Select("COALESCE(SUM(LENGTH(key) + LENGTH(value)), 0) AS bytes").
		Where("org_id = ?", orgID).Scan(&st).Error; err != nil {
		return out, fmt.Errorf("state sizes: %w", err)
	}
	out.StateBytes = st.Bytes
	return out, nil
}
