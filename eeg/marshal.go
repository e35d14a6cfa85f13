package eeg

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/vendorhooks/vendorhooks/internal/lit"
)

// The MarshalJSON methods of the known types give an event's canonical wire
// form: strict JSON in the vendor's layout (action, data, type; arrays
// rebuilt from the named fields), which Decode turns back into an equal
// event. Their receivers are values, so that json.Marshal(*ev) and
// json.Marshal(ev) give the same bytes.

// MarshalJSON returns e in the vendor's wire form as strict JSON.
func (e Blink) MarshalJSON() ([]byte, error) {
	return marshal(KindBlink, &e.Meta, func(b []byte) []byte {
		return appendValue(b, e.Action)
	}, func(b []byte) []byte {
		return append(appendValue(append(b, `"blink":{"blink":`...), e.Blink), '}')
	})
}

// MarshalJSON returns e in the vendor's wire form as strict JSON.
func (e Eye) MarshalJSON() ([]byte, error) {
	return marshal(KindEye, &e.Meta, func(b []byte) []byte {
		return appendValue(b, e.Action)
	}, func(b []byte) []byte {
		return append(appendValue(append(b, `"eye":{"eye":`...), e.Eye), '}')
	})
}

// MarshalJSON returns e in the vendor's wire form as strict JSON.
func (e Bandpower) MarshalJSON() ([]byte, error) {
	return marshal(KindBandpower, &e.Meta, func(b []byte) []byte {
		return append(appendPowerArray(append(b, '['), &e.Action), ']')
	}, func(b []byte) []byte {
		return appendPowerObject(append(b, `"bandpower":`...), &e.Power, false)
	})
}

// MarshalJSON returns e in the vendor's wire form as strict JSON.
func (e Artifact) MarshalJSON() ([]byte, error) {
	return marshal(KindArtifact, &e.Meta, func(b []byte) []byte {
		return append(appendQualityArray(append(b, '['), &e.Action), ']')
	}, func(b []byte) []byte {
		b = append(b, `"artifact_detect":{`...)
		for i := 0; i < e.Quality.count(); i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `"`+shortChannel[i]+`":`...)
			b = appendValue(b, e.Quality.ptr(i, nil).wire())
		}
		return append(b, '}')
	})
}

// MarshalJSON returns e in the vendor's wire form as strict JSON.
func (e Metrics) MarshalJSON() ([]byte, error) {
	return marshal(KindMetrics, &e.Meta, func(b []byte) []byte {
		return appendMetricsArray(b, &e.Action)
	}, func(b []byte) []byte {
		return appendMetricsArray(append(b, `"metrics":`...), &e.Metrics)
	})
}

// MarshalJSON returns e in the vendor's wire form as strict JSON.
func (e MetricsJSON) MarshalJSON() ([]byte, error) {
	return marshal(KindMetricsJSON, &e.Meta, func(b []byte) []byte {
		return appendMetricsObject(b, &e.Action)
	}, func(b []byte) []byte {
		return appendMetricsObject(append(b, `"metrics":`...), &e.Metrics)
	})
}

// MarshalJSON returns {"kind": Type, "raw": Raw}, Raw as the JSON itself
// (null when Raw is empty). A Raw that Decode made is always valid JSON;
// one set to anything else makes json.Marshal fail.
func (u Unknown) MarshalJSON() ([]byte, error) {
	kind, err := json.Marshal(u.Type) // UTF-8 from Decode; U+FFFD for another invalid byte
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(`{"kind":,"raw":}`)+len(kind)+max(len(u.Raw), 4))
	b = append(append(append(b, `{"kind":`...), kind...), `,"raw":`...)
	if len(u.Raw) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, u.Raw...)
	}
	return append(b, '}'), nil
}

var errNotFinite = errors.New("eeg: an LSL time is not a finite number")

// marshal writes {"action":{"value":...,"time":...},"data":{...},"type":kind}.
func marshal(kind string, m *Meta, action, data func([]byte) []byte) ([]byte, error) {
	for _, f := range []LSLSeconds{m.ActionTime, m.LSL, m.LSLEEGFill, m.LSLAPICall, m.LSLAPIRecv} {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return nil, errNotFinite
		}
	}
	b := make([]byte, 0, 1024)
	b = action(append(b, `{"action":{"value":`...))
	b = appendFloat(append(b, `,"time":`...), float64(m.ActionTime))
	b = data(append(b, `},"data":{`...))
	b = strconv.AppendInt(append(b, `,"id":`...), m.ID, 10)
	b = appendFloat(append(b, `,"lsl_ts":`...), float64(m.LSL))
	if !m.Time.IsZero() {
		b = appendUnix(append(b, `,"unix_ts":`...), m.Time)
	}
	b = appendFloat(append(b, `,"lsl_eeg_fill_ts":`...), float64(m.LSLEEGFill))
	b = appendFloat(append(b, `,"lsl_api_call_ts":`...), float64(m.LSLAPICall))
	b = appendFloat(append(b, `,"lsl_api_recv_ts":`...), float64(m.LSLAPIRecv))
	b = strconv.AppendInt(append(b, `,"last_eeg_id":`...), m.LastEEGID, 10)
	b = append(b, `},"type":"`...)
	b = append(b, kind...)
	return append(b, `"}`...), nil
}

// appendFloat writes f as encoding/json does: the shortest text that reads
// back as f.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, 64)
}

// appendValue writes v as a number, "bad_data", or the string form of a
// non-finite number.
func appendValue(b []byte, v Value) []byte {
	switch {
	case v.bad:
		return append(b, `"bad_data"`...)
	case math.IsNaN(v.f):
		return append(b, `"NaN"`...)
	case math.IsInf(v.f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(v.f, -1):
		return append(b, `"-Infinity"`...)
	}
	return appendFloat(b, v.f)
}

// appendUnix writes t as Unix seconds, exact to the nanosecond.
func appendUnix(b []byte, t time.Time) []byte {
	sec, ns := t.Unix(), int64(t.Nanosecond())
	if sec < 0 {
		b = append(b, '-')
		if ns > 0 {
			sec, ns = -(sec + 1), 1e9-ns
		} else {
			sec = -sec
		}
	}
	b = strconv.AppendInt(b, sec, 10)
	if ns == 0 {
		return b
	}
	var frac [10]byte
	frac[0] = '.'
	for i := 9; i >= 1; i-- {
		frac[i] = byte('0' + ns%10)
		ns /= 10
	}
	n := 10
	for frac[n-1] == '0' {
		n--
	}
	return append(b, frac[:n]...)
}

func appendBandsArray(b []byte, bs *Bands) []byte {
	for i := 0; i < 4; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendValue(b, *bs.band(i))
	}
	return b
}

// appendPowerArray writes the band powers channel by channel, without
// brackets.
func appendPowerArray(b []byte, cs *Channels[Bands]) []byte {
	for i := 0; i < cs.count(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendBandsArray(b, cs.ptr(i, nil))
	}
	return b
}

func appendQualityArray(b []byte, cs *Channels[Quality]) []byte {
	for i := 0; i < cs.count(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendValue(b, cs.ptr(i, nil).wire())
	}
	return b
}

// Key order of the vendor's band objects: data.bandpower's by name (delta,
// theta, alpha, beta), metricsJson's by digit ("0".."3": alpha, beta,
// theta, delta).
var (
	wireBandOrder  = [4]int{3, 2, 0, 1}
	digitBandOrder = [4]int{0, 1, 2, 3}
)

func appendPowerObject(b []byte, cs *Channels[Bands], long bool) []byte {
	order, names := &wireBandOrder, &bandNames
	if long {
		order, names = &digitBandOrder, &bandDigits
	}
	b = append(b, '{')
	for i := 0; i < cs.count(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, channelName(i, long)...)
		b = append(b, `":{`...)
		bs := cs.ptr(i, nil)
		for j, band := range order {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, names[band]...)
			b = append(b, `":`...)
			b = appendValue(b, *bs.band(band))
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

func appendMetricsArray(b []byte, m *MetricsArray) []byte {
	b = appendValue(append(b, '['), m.Blink)
	b = appendValue(append(b, ','), m.Eye)
	b = appendQualityArray(append(b, ','), &m.Artifact)
	b = appendPowerArray(append(b, ','), &m.Power)
	return append(b, ']')
}

func appendMetricsObject(b []byte, m *MetricsObject) []byte {
	b = append(b, `{"artifact_detect":{`...)
	for i := 0; i < m.Artifact.count(); i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `"`+longChannel[i]+`":`...)
		b = lit.AppendQuote(b, []byte(*m.Artifact.ptr(i, nil)))
	}
	b = appendPowerObject(append(b, `},"bandpower":`...), &m.Power, true)
	b = appendValue(append(b, `,"blink":{"blink":`...), m.Blink)
	b = appendValue(append(b, `},"eye":{"eye":`...), m.Eye)
	return append(b, `}}`...)
}
