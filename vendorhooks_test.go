package vendorhooks_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vendorhooks/vendorhooks"
	_ "github.com/vendorhooks/vendorhooks/internal/golden" // every test binary must accept -update
)

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		err  vendorhooks.DecodeError
		want string
	}{
		{vendorhooks.DecodeError{Vendor: "eeg", Path: "/data/bandpower/ch2/alpha", Offset: 120, Msg: "want a number, got string"},
			"eeg: /data/bandpower/ch2/alpha (offset 120): want a number, got string"},
		{vendorhooks.DecodeError{Vendor: "wms", Path: "/sequence", Offset: -1, Msg: "missing"}, "wms: /sequence: missing"},
		{vendorhooks.DecodeError{Vendor: "sleep", Offset: 7, Msg: "unexpected end of input"}, "sleep: offset 7: unexpected end of input"},
		{vendorhooks.DecodeError{Vendor: "signage", Offset: -1, Msg: "empty body"}, "signage: empty body"},
	} {
		err := error(&tc.err)
		assert.EqualError(t, err, tc.want)
		assert.ErrorIs(t, err, vendorhooks.ErrMalformed)
		wrapped := fmt.Errorf("decoding: %w", err)
		assert.ErrorIs(t, wrapped, vendorhooks.ErrMalformed)
		var de *vendorhooks.DecodeError
		assert.True(t, errors.As(wrapped, &de))
		assert.Equal(t, tc.err, *de)
	}
	assert.NotErrorIs(t, errors.New("x"), vendorhooks.ErrMalformed)
}

func TestWarningString(t *testing.T) {
	assert.Equal(t, "/recData/data/a~1b: unknown field", vendorhooks.Warning{Path: "/recData/data/a~1b", Offset: 3, Msg: "unknown field"}.String())
	assert.Equal(t, "body has a BOM", vendorhooks.Warning{Offset: -1, Msg: "body has a BOM"}.String())
}

func TestDeliveryFromContext(t *testing.T) {
	_, ok := vendorhooks.DeliveryFromContext(context.Background())
	assert.False(t, ok)
	_, ok = vendorhooks.DeliveryFromContext(vendorhooks.ContextWithDelivery(context.Background(), nil))
	assert.False(t, ok, "a nil Delivery is no Delivery")
	d := &vendorhooks.Delivery{Vendor: "eeg", Kind: "blink"}
	got, ok := vendorhooks.DeliveryFromContext(vendorhooks.ContextWithDelivery(context.Background(), d))
	assert.True(t, ok)
	assert.Same(t, d, got)
}
