package eeg

import (
	"strconv"

	"github.com/vendorhooks/vendorhooks/internal/lit"
)

// finish builds the event once the whole message is read.
func (d *decoder) finish(data []byte) (Event, error) {
	if d.kind == "" {
		if !d.hasType {
			if d.typeErr != nil && d.typeErr.Path == typePath {
				return nil, d.typeErr
			}
			p := pathOf("type")
			return nil, typeError(&p, "string", "", -1)
		}
		raw, err := lit.AppendJSONQuotingNonFinite(make([]byte, 0, len(data)), data)
		if err != nil {
			return nil, d.fail(err)
		}
		return &Unknown{Type: d.typeName, Raw: raw}, nil
	}
	var ev Event
	dataP, action := pathOf("data"), pathOf("action")
	switch d.kind {
	case KindBlink:
		e := &Blink{Meta: d.meta, Blink: d.blink}
		d.require(d.hasBlink, dataP.dot("blink"), "object")
		e.Action = d.scalarAction()
		ev = e
	case KindEye:
		e := &Eye{Meta: d.meta, Eye: d.eye}
		d.require(d.hasEye, dataP.dot("eye"), "object")
		e.Action = d.scalarAction()
		ev = e
	case KindBandpower:
		e := &Bandpower{Meta: d.meta}
		d.channels(dataP.dot("bandpower"), false, d.bp.present, d.bp.seen, "object")
		fill(&e.Power, &d.bp.v, d.bp.seen)
		if arr := d.arrayAction("array of 16 or 20 values"); arr != nil {
			d.powerArray(action.dot("value"), arr.v[:arr.n], &e.Action)
		}
		ev = e
	case KindArtifact:
		e := &Artifact{Meta: d.meta}
		d.channels(dataP.dot("artifact_detect"), false, d.art.present, d.art.seen, wantQuality)
		fill(&e.Quality, &d.art.v, d.art.seen)
		if arr := d.arrayAction("array of 4 or 5 values"); arr != nil {
			d.qualityArray(action.dot("value"), arr.v[:arr.n], 0, &e.Action)
		}
		ev = e
	case KindMetrics:
		e := &Metrics{Meta: d.meta}
		p := dataP.dot("metrics")
		if !d.metArr.present {
			d.missing(p, "array of 22 or 27 values")
		} else {
			d.metricsArray(p, &d.metArr, &e.Metrics)
		}
		if arr := d.arrayAction("array of 22 or 27 values"); arr != nil {
			d.metricsArray(action.dot("value"), arr, &e.Action)
		}
		ev = e
	case KindMetricsJSON:
		e := &MetricsJSON{Meta: d.meta}
		d.object(dataP.dot("metrics"), &d.metObj, &e.Metrics)
		switch d.actKind {
		case lit.Invalid:
		case lit.Object:
			d.object(action.dot("value"), &d.actObj, &e.Action)
		default:
			d.mismatch(action.dot("value"), "object", d.actKind.String(), -1)
		}
		ev = e
	}
	if d.typeErr != nil {
		return nil, d.typeErr
	}
	return ev, nil
}

func (d *decoder) require(ok bool, p fieldPath, want string) {
	if !ok {
		d.missing(p, want)
	}
}

// scalarAction returns action.value for blink and eye.
func (d *decoder) scalarAction() Value {
	switch d.actKind {
	case lit.Invalid, lit.Number, lit.String:
	default:
		action := pathOf("action")
		d.mismatch(action.dot("value"), wantValue, d.actKind.String(), -1)
	}
	return d.actVal
}

// arrayAction returns action.value when it is an array, nil when absent.
func (d *decoder) arrayAction(want string) *valArray {
	switch d.actKind {
	case lit.Invalid:
		return nil
	case lit.Array:
		return &d.actArr
	}
	action := pathOf("action")
	d.mismatch(action.dot("value"), want, d.actKind.String(), -1)
	return nil
}

// channels checks that a channel object is present with ch1 to ch4.
func (d *decoder) channels(p fieldPath, long bool, present bool, seen uint8, want string) {
	if !present {
		d.missing(p, "object")
		return
	}
	for i := 0; i < 4; i++ {
		if seen&(1<<i) == 0 {
			d.missing(p.dot(channelName(i, long)), want)
			return
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
// theta, delta).
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
// of v[0] in the array at p.
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

// metricsArray maps the 22 (or, with a fifth channel, 27) metrics.
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
	if !o.present {
		d.missing(p, "object")
		return
	}
	d.channels(p.dot("artifact_detect"), true, o.art.present, o.art.seen, "string")
	d.channels(p.dot("bandpower"), true, o.bp.present, o.bp.seen, "object")
	d.require(o.hasBlink, p.dot("blink"), "object")
	d.require(o.hasEye, p.dot("eye"), "object")
	fill(&dst.Artifact, &o.art.v, o.art.seen)
	fill(&dst.Power, &o.bp.v, o.bp.seen)
	dst.Blink, dst.Eye = o.blink, o.eye
}
