package sleep_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vendorhooks/vendorhooks/sleep"
)

func TestHypnogram(t *testing.T) {
	start := time.Date(2025, 1, 15, 23, 0, 0, 0, time.FixedZone("KST", 9*3600))
	stages := []sleep.SleepStage{sleep.StageWake, sleep.StageLight, sleep.StageLight, sleep.StageNoData, sleep.SleepStage(7), sleep.StageLight}
	h := sleep.NewHypnogram(start, stages)

	require.Len(t, h.Epochs, len(stages))
	for i, e := range h.Epochs {
		assert.True(t, e.Start.Equal(start.Add(time.Duration(i)*30*time.Second)), "epoch %d start", i)
		assert.Equal(t, sleep.EpochDuration, e.Duration())
		assert.Equal(t, stages[i], e.Stage)
	}
	assert.Equal(t, map[sleep.SleepStage]time.Duration{
		sleep.StageWake:     30 * time.Second,
		sleep.StageLight:    90 * time.Second,
		sleep.StageNoData:   30 * time.Second,
		sleep.SleepStage(7): 30 * time.Second,
	}, h.Durations())
	assert.Equal(t, 3*time.Minute, h.Total())
	assert.Equal(t, "no data 30s, wake 30s, light 1m30s, SleepStage(7) 30s", h.String())

	segs := h.Segments()
	require.Len(t, segs, 5)
	assert.Equal(t, sleep.StageLight, segs[1].Stage)
	assert.Equal(t, time.Minute, segs[1].Duration())
	assert.True(t, segs[4].End.Equal(start.Add(3*time.Minute)))
}

func TestHypnogramEmpty(t *testing.T) {
	h := sleep.NewHypnogram(time.Now(), nil)
	assert.Empty(t, h.Epochs)
	assert.Empty(t, h.Segments())
	assert.Empty(t, h.Durations())
	assert.Zero(t, h.Total())
	assert.Equal(t, "", h.String())
}

func TestSessionHypnogram(t *testing.T) {
	sc := decode(t, "spec_session_complete").(*sleep.SessionComplete)
	h := sc.Session.Hypnogram()
	require.Len(t, h.Epochs, 1)
	assert.True(t, h.Epochs[0].Start.Equal(sc.Session.Start))
	assert.Equal(t, "wake 30s", h.String())
}
