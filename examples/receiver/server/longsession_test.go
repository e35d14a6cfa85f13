package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/examples/receiver/server"
)

// TestLongSessionStoredCut: a session key over 1 KiB (an expSessionNr of
// 5,000 digits, which Labvanced's unauthenticated routes accept) is stored
// on both backends, cut to its first 1,024 bytes with a warning; PostgreSQL
// would refuse the whole row for its session index otherwise. The raw body
// keeps it whole.
func TestLongSessionStoredCut(t *testing.T) {
	server.ForBackends(t, func(t *testing.T) {
		e := newEnv(t)
		// Digits that do not compress (PostgreSQL compresses a long index
		// key, so a run of one digit would fit).
		var b strings.Builder
		for x := uint32(1); b.Len() < 5000; {
			x = x*1664525 + 1013904223
			b.WriteByte('0' + byte(x>>24)%10)
		}
		long := b.String()
		body := `{"expId":4711,"expSessionNr":"` + long + `","recTaskId":1,"taskId":"t","trialNr":1,"recData":{"data":{"rt":1}}}`
		req, err := http.NewRequest(http.MethodPost, "/labvanced/recordTrial", strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		status, answer := e.do(t, req)
		require.Equal(t, http.StatusOK, status, answer)
		evs := e.events(t, "vendor=labvanced")
		require.Len(t, evs, 1)
		assert.Equal(t, long[:1024], evs[0].Session)
		assert.Contains(t, evs[0].Warnings, "session key of 5000 bytes: stored cut to its first 1024 (the raw body has it whole)")
		one := e.event(t, evs[0].ID)
		require.NotNil(t, one.Raw)
		assert.Equal(t, body, *one.Raw)
	})
}
