package catalog

import (
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// fromKey restores what a key encoding drops: the scale of a NUMERIC(p,s)
// value (keys are canonical, so 1.50 is stored as 1.5). An unconstrained
// NUMERIC read from a key keeps no trailing zeros.
func fromKey(t types.T, v rowenc.Value) rowenc.Value {
	if v.Kind != rowenc.KindDecimal {
		return v
	}
	if _, _, ok := t.NumericPrecision(); !ok {
		return v
	}
	if r, err := types.NumericValue(t, v.DecimalValue()); err == nil {
		return r
	}
	return v
}
