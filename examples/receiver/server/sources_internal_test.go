package server

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMigrateToSources opens a database of the receiver before sources
// (schema version 2) holding a deduplicated event with an upload and a
// deleted newest row, and checks that the rebuild of the events table keeps
// the rows, their ids, the upload's link, the dedup key and the id
// high-water mark, and gives every old row the empty source. SQLite only:
// schema version 2 existed only as a SQLite file.
func TestMigrateToSources(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v2.db")
	old, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(ON)")
	require.NoError(t, err)
	for _, m := range migrations[:2] {
		_, err = old.Exec(m)
		require.NoError(t, err)
	}
	_, err = old.Exec(`PRAGMA user_version = 2;
INSERT INTO events (vendor, kind, session, received_at, event, raw, dedup_key, warnings, duplicates) VALUES
	('fake', 'tick', 's', '2025-01-15T02:50:29.000000000Z', '{}', x'7b7d', 'fake:s/1', '["w"]', 2),
	('labvanced', 'file_upload', '7', '2025-01-15T02:50:29.000000000Z', '{}', x'7b7d', 'labvanced:up', '[]', 0),
	('fake', 'tick', 's', '2025-01-15T02:50:29.000000000Z', '{}', x'7b7d', NULL, '[]', 0);
INSERT INTO uploads VALUES ('g', '7', 'n', 'o', 1, 'h', '2025-01-15T02:50:29.000000000Z', 2);
DELETE FROM events WHERE id = 3;`)
	require.NoError(t, err)
	require.NoError(t, old.Close())

	s := openTest(t, Config{DBPath: path})
	var version int
	require.NoError(t, s.db.QueryRow("PRAGMA user_version").Scan(&version))
	assert.Equal(t, len(migrations), version)
	rows, err := s.db.Query("SELECT id, source, dedup_key, warnings, duplicates FROM events ORDER BY id")
	require.NoError(t, err)
	type row struct {
		id         int64
		source     string
		dedup      []byte
		warnings   string
		duplicates int
	}
	var got []row
	for rows.Next() {
		var r row
		require.NoError(t, rows.Scan(&r.id, &r.source, &r.dedup, &r.warnings, &r.duplicates))
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []row{
		{1, "", dedupDigest("fake:s/1"), `["w"]`, 2}, // the key's digest since version 7
		{2, "", dedupDigest("labvanced:up"), `[]`, 0},
	}, got)
	var eventID int64
	require.NoError(t, s.db.QueryRow("SELECT event_id FROM uploads WHERE guid = 'g'").Scan(&eventID))
	assert.Equal(t, int64(2), eventID)
	fk, err := s.db.Query("PRAGMA foreign_key_check")
	require.NoError(t, err)
	assert.False(t, fk.Next(), "uploads.event_id still points at events")
	require.NoError(t, fk.Close())

	h := fakeVendor(s, true)
	assert.Equal(t, "4 false", post(t, h, `{"session":"s","seq":2}`).Body.String(), "ids continue after the deleted row 3")
	assert.Equal(t, "1 true", post(t, h, `{"session":"s","seq":1}`).Body.String(), "an old row's key still deduplicates")
}
