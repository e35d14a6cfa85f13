package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// digestOf is the stored dedup key of key, nil for none.
func digestOf(key string) []byte {
	if key == "" {
		return nil
	}
	return dedupDigest(key)
}

// TestRowFailsAlone: in one batch, a row the database refuses (a trigger
// refuses kind "bad") fails alone: the multi-row insert it was part of is
// written again row by row, and every other write of the batch, keyed,
// unkeyed or a WMS event, commits. On PostgreSQL a failed statement would
// otherwise abort the whole transaction.
func TestRowFailsAlone(t *testing.T) { forBackends(t, testRowFailsAlone) }

func testRowFailsAlone(t *testing.T) {
	s := openTest(t, Config{})
	if s.db.pg() {
		_, err := s.db.Exec(`CREATE FUNCTION bad_row() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.kind = 'bad' THEN RAISE EXCEPTION 'bad row'; END IF; RETURN NEW; END $$`)
		require.NoError(t, err)
		_, err = s.db.Exec("CREATE TRIGGER bad_row BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION bad_row()")
		require.NoError(t, err)
	} else {
		_, err := s.db.Exec("CREATE TRIGGER bad_row BEFORE INSERT ON events WHEN NEW.kind = 'bad' BEGIN SELECT RAISE(ABORT, 'bad row'); END")
		require.NoError(t, err)
	}
	row := func(kind, key string) *eventRow {
		return &eventRow{Vendor: "fake", Kind: kind, Session: "s", Received: time.Now(), Raw: []byte(`{"session":"s","seq":1}`), Dedup: digestOf(key)}
	}
	var batch []*write
	for i := range 6 {
		kind := "good"
		if i == 3 {
			kind = "bad"
		}
		batch = append(batch, &write{event: row(kind, fmt.Sprintf("fake:%d", i))})
	}
	batch = append(batch,
		&write{event: row("good", "")}, // no key: written alone
		&write{event: row("good", "fake:wms"), wms: &wmsSeq{session: "w", seq: 0}})
	for _, wr := range batch {
		wr.done = make(chan writeResult, 1)
	}
	s.w.commit(batch) // the writer's goroutine is idle: no request submits
	for i, wr := range batch {
		res := <-wr.done
		if wr.event.Kind == "bad" {
			assert.ErrorContains(t, res.Err, "bad row", "write %d", i)
			continue
		}
		assert.NoError(t, res.Err, "write %d", i)
		assert.Positive(t, res.ID, "write %d", i)
	}
	var n int
	require.NoError(t, s.db.QueryRow("SELECT COUNT(*) FROM events").Scan(&n))
	assert.Equal(t, len(batch)-1, n, "every write but the bad one stored")
}
