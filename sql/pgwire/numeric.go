package pgwire

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// NUMERIC's binary format, as PostgreSQL's numeric_send writes it:
//
//	int16 ndigits | int16 weight | uint16 sign (0x0000 +, 0x4000 -) | int16 dscale | ndigits × int16 base-10000 digit
//
// The value is Σ digit[i] × 10000^(weight-i); dscale is the number of
// decimal digits after the point to display. Leading and trailing zero
// digits are omitted.
const (
	numericPos = 0x0000
	numericNeg = 0x4000
)

func encodeNumeric(t types.T, v rowenc.Value) []byte {
	s := types.FormatNumeric(t, v)
	sign := uint16(numericPos)
	if strings.HasPrefix(s, "-") {
		sign, s = numericNeg, s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	dscale := len(frac)
	intPart = strings.TrimLeft(intPart, "0")
	if pad := (4 - len(intPart)%4) % 4; pad > 0 {
		intPart = strings.Repeat("0", pad) + intPart
	}
	if pad := (4 - len(frac)%4) % 4; pad > 0 {
		frac += strings.Repeat("0", pad)
	}
	all := intPart + frac
	var digits []uint16
	for i := 0; i < len(all); i += 4 {
		n, _ := strconv.Atoi(all[i : i+4])
		digits = append(digits, uint16(n))
	}
	weight := len(intPart)/4 - 1
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
		weight--
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	if len(digits) == 0 {
		weight, sign = 0, numericPos
	}
	b := binary.BigEndian.AppendUint16(nil, uint16(len(digits)))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(dscale))
	for _, d := range digits {
		b = binary.BigEndian.AppendUint16(b, d)
	}
	return b
}

func decodeNumeric(t types.T, b []byte) (rowenc.Value, error) {
	bad := pgerror.New(pgerror.CodeInvalidBinaryRepresentation, "invalid numeric binary format")
	if len(b) < 8 {
		return rowenc.Value{}, bad
	}
	n := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(int16(binary.BigEndian.Uint16(b[6:])))
	if len(b) != 8+2*n || dscale < 0 || (sign != numericPos && sign != numericNeg) {
		if sign == 0xC000 || sign == 0xD000 || sign == 0xF000 {
			return rowenc.Value{}, pgerror.Unsupported("NaN and Infinity in NUMERIC")
		}
		return rowenc.Value{}, bad
	}
	var sb strings.Builder
	if sign == numericNeg {
		sb.WriteByte('-')
	}
	sb.WriteString("0")
	for i := 0; i < n; i++ {
		d := binary.BigEndian.Uint16(b[8+2*i:])
		if d > 9999 {
			return rowenc.Value{}, bad
		}
		sb.WriteString(strconv.FormatUint(uint64(d)+10000, 10)[1:])
	}
	// The digits written are 0.<groups> × 10^(4(weight+1)).
	text := sb.String() + "E" + strconv.Itoa(4*(weight+1)-4*n)
	v, err := types.ParseNumeric(types.Numeric, text)
	if err != nil {
		return rowenc.Value{}, bad
	}
	d := v.DecimalValue()
	var r = *d
	if _, err := types.DecimalCtx.Quantize(&r, d, int32(-dscale)); err != nil {
		return rowenc.Value{}, bad
	}
	v, err = types.NumericValue(types.Numeric, &r)
	if err != nil {
		return v, err
	}
	return types.NumericValue(t, v.DecimalValue())
}
