package eeg

import (
	"strconv"

	"github.com/vendorhooks/vendorhooks/internal/lit"
)

// finish builds the event once the whole message is read. Every check it
// makes is a warning; only a missing type is fatal.
func (d *decoder) finish(data []byte) (Event, error) {
	if !d.hasType {
		return nil, &DecodeError{Vendor: vendor, Path: typePath, Offset: -1, Msg: "missing, want string"}
	}
	if d.kind == "" {
		// What the fields of a known type would have held is no concern
		// of an unknown one.
		d.warns = nil
		raw, err := lit.AppendJSONQuotingNonFinite(make([]byte, 0, len(data)), data)
		if err != nil {
			return nil, d.fail(err)
		}
		return &Unknown{Type: d.typeName, Raw: raw}, nil
	}
	s, a := &d.data, &d.act
	meta := s.meta
	meta.ActionTime = a.time
	dataP, action := pathOf("data"), pathOf("action")
	switch d.kind {
	case KindBlink:
		e := &Blink{Meta: meta, Blink: s.blink}
		d.require(s.hasBlink, dataP.dot("blink"), "object")
		e.Action = d.scalarAction()
		return e, nil
	case KindEye:
		e := &Eye{Meta: meta, Eye: s.eye}
		d.require(s.hasEye, dataP.dot("eye"), "object")
		e.Action = d.scalarAction()
		return e, nil
	case KindBandpower:
		e := &Bandpower{Meta: meta}
		d.channels(dataP.dot("bandpower"), false, s.bp.given, s.bp.present, s.bp.seen, "object")
		fill(&e.Power, &s.bp.v, s.bp.seen)
		if arr := d.arrayAction("array of 16 or 20 values"); arr != nil {
			d.powerArray(action.dot("value"), arr.v[:arr.n], &e.Action)
		}
		return e, nil
	case KindArtifact:
		e := &Artifact{Meta: meta}
		d.channels(dataP.dot("artifact_detect"), false, s.art.given, s.art.present, s.art.seen, wantQuality)
		fill(&e.Quality, &s.art.v, s.art.seen)
		if arr := d.arrayAction("array of 4 or 5 values"); arr != nil {
			d.qualityArray(action.dot("value"), arr.v[:arr.n], 0, &e.Action)
		}
		return e, nil
	case KindMetrics:
		e := &Metrics{Meta: meta}
		p := dataP.dot("metrics")
		switch {
		case s.metArr.present:
			d.metricsArray(p, &s.metArr, &e.Metrics)
		case s.metObj.present:
			d.mismatch(p, "array of 22 or 27 values", "object", -1)
		case s.seen&dataMetrics == 0:
			d.missing(p, "array of 22 or 27 values")
		}
		if arr := d.arrayAction("array of 22 or 27 values"); arr != nil {
			d.metricsArray(action.dot("value"), arr, &e.Action)
		}
		return e, nil
	default: // KindMetricsJSON
		e := &MetricsJSON{Meta: meta}
		p := dataP.dot("metrics")
		switch {
		case s.metObj.present:
			d.object(p, &s.metObj, &e.Metrics)
		case s.metArr.present:
			d.mismatch(p, "object", "array", -1)
		case s.seen&dataMetrics == 0:
			d.missing(p, "object")
		}
		switch a.kind {
		case lit.Invalid:
		case lit.Object:
			d.object(action.dot("value"), &a.obj, &e.Action)
		default:
			d.mismatch(action.dot("value"), "object", a.kind.String(), -1)
		}
		return e, nil
	}
}

func (d *decoder) require(ok bool, p fieldPath, want string) {
	if !ok {
		d.missing(p, want)
	}
}

// scalarAction returns action.value for blink and eye.
func (d *decoder) scalarAction() Value {
	switch d.act.kind {
	case lit.Invalid, lit.Number, lit.String:
	default:
		action := pathOf("action")
		d.mismatch(action.dot("value"), wantValue, d.act.kind.String(), -1)
	}
	return d.act.val
}

// arrayAction returns action.value when it is an array, nil when absent
// or of another kind.
func (d *decoder) arrayAction(want string) *valArray {
	switch d.act.kind {
	case lit.Invalid:
		return nil
	case lit.Array:
		return &d.act.arr
	}
	action := pathOf("action")
	d.mismatch(action.dot("value"), want, d.act.kind.String(), -1)
	return nil
}

// channels checks that a channel object was given (given), was an object
// (present: otherwise its warning is already recorded) and has ch1 to ch4.
func (d *decoder) channels(p fieldPath, long bool, given, present bool, seen uint8, want string) {
	if !given {
		d.missing(p, "object")
	}
	if !present {
		return
	}
	for i := 0; i < 4; i++ {
		if seen&(1<<i) == 0 {
			d.missing(p.dot(channelName(i, long)), want)
		}
	}
}

// fill copies collected channels into cs, allocating Aux for a fifth.
func fill[T any](cs *Channels[T], v *[5]T, seen uint8) {
	cs.TP9, cs.AF7, cs.AF8, cs.TP10 = v[0], v[1], v[2], v[3]
	if seen&(1<<4) != 0 {
		aux := v[4]
		cs.Aux = &aux
	}
}

// powerArray maps 16 or 20 band powers (channel by channel: alpha, beta,
// theta, delta); another length leaves dst at zero.
func (d *decoder) powerArray(p fieldPath, v []Value, dst *Channels[Bands]) {
	if len(v) != 16 && len(v) != 20 {
		d.mismatch(p, "array of 16 or 20 values", "array of "+strconv.Itoa(len(v))+" values", -1)
		return
	}
	if len(v) == 20 {
		dst.Aux = new(Bands)
	}
	for i := range v {
		*dst.ptr(i/4, dst.Aux).band(i % 4) = v[i]
	}
}

// qualityArray maps 4 or 5 artifact values to channels; base is the index
// of v[0] in the array at p. Another length leaves dst at zero.
func (d *decoder) qualityArray(p fieldPath, v []Value, base int, dst *Channels[Quality]) {
	n := len(v)
	if n != 4 && n != 5 {
		d.mismatch(p, "array of 4 or 5 values", "array of "+strconv.Itoa(n)+" values", -1)
		return
	}
	if n == 5 {
		dst.Aux = new(Quality)
	}
	for i := 0; i < n; i++ {
		q, ok := quality(v[i])
		if !ok {
			d.mismatch(p.at(base+i), wantQuality, "number "+v[i].String(), -1)
		}
		*dst.ptr(i, dst.Aux) = q
	}
}

// metricsArray maps the 22 (or, with a fifth channel, 27) metrics; another
// length leaves dst at zero.
func (d *decoder) metricsArray(p fieldPath, arr *valArray, dst *MetricsArray) {
	nch := 4
	switch arr.n {
	case 22:
	case 27:
		nch = 5
	default:
		d.mismatch(p, "array of 22 or 27 values", "array of "+strconv.Itoa(arr.n)+" values", -1)
		return
	}
	dst.Blink, dst.Eye = arr.v[0], arr.v[1]
	d.qualityArray(p, arr.v[2:2+nch], 2, &dst.Artifact)
	d.powerArray(p, arr.v[2+nch:arr.n], &dst.Power)
}

// object checks and copies a metricsJson object.
func (d *decoder) object(p fieldPath, o *objForm, dst *MetricsObject) {
	d.channels(p.dot("artifact_detect"), true, o.art.given, o.art.present, o.art.seen, "string")
	d.channels(p.dot("bandpower"), true, o.bp.given, o.bp.present, o.bp.seen, "object")
	d.require(o.hasBlink, p.dot("blink"), "object")
	d.require(o.hasEye, p.dot("eye"), "object")
	fill(&dst.Artifact, &o.art.v, o.art.seen)
	fill(&dst.Power, &o.bp.v, o.bp.seen)
	dst.Blink, dst.Eye = o.blink, o.eye
}
