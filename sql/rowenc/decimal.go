package rowenc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// NUMERIC values are held as their decimal text (Value.S): plain notation
// without exponent, scale kept ("1.50" and "1.5" are different texts of
// equal values), no leading zeros, no "-0". Row values keep the text, so
// the scale survives; keys are canonical (scale dropped), so a key decodes
// to the value's shortest text and the SQL layer re-applies a column's
// declared scale.

// maxDecimalExp bounds the decimal exponent of a NUMERIC (PostgreSQL allows
// 131072 digits before the point and 16383 after).
const maxDecimalExp = 1 << 18

var errDecimalForm = errors.New("not a canonical finite decimal")

// Decimal returns a NUMERIC value. d must be finite; -0 becomes 0.
func Decimal(d *apd.Decimal) Value {
	if d.IsZero() && (d.Negative || d.Exponent > 0) {
		var c apd.Decimal
		c.Exponent = min(d.Exponent, 0)
		d = &c
	}
	return Value{Kind: KindDecimal, S: d.Text('f')}
}

// DecimalValue parses a NUMERIC value's payload. It panics if v is not a
// well-formed KindDecimal (a programming error: decoders validate).
func (v Value) DecimalValue() *apd.Decimal {
	d, _, err := apd.NewFromString(v.S)
	if err != nil {
		panic(fmt.Sprintf("rowenc: malformed decimal %q", v.S))
	}
	return d
}

// decodeDecimalText validates a decimal payload read from storage.
func decodeDecimalText(p []byte) (Value, error) {
	d, _, err := apd.NewFromString(string(p))
	if err != nil || d.Form != apd.Finite || Decimal(d).S != string(p) {
		return Value{}, errDecimalForm
	}
	if e := int64(d.Exponent) + int64(d.NumDigits()); e > maxDecimalExp || e < -maxDecimalExp {
		return Value{}, errDecimalForm
	}
	return Value{Kind: KindDecimal, S: string(p)}, nil
}

func compareDecimal(a, b string) int {
	x, _, err1 := apd.NewFromString(a)
	y, _, err2 := apd.NewFromString(b)
	if err1 != nil || err2 != nil {
		return strings.Compare(a, b)
	}
	return x.Cmp(y)
}

// decimalDigits returns d's significant digits (no leading or trailing
// zeros) and the exponent E with |d| = 0.digits × 10^E; digits is empty
// for zero.
func decimalDigits(d *apd.Decimal) (string, int64) {
	s := d.Coeff.String()
	if s == "0" {
		return "", 0
	}
	exp := int64(d.Exponent) + int64(len(s))
	return strings.TrimRight(s, "0"), exp
}

// appendDecimalKey writes a DECIMAL key's payload (after the marker):
//
//	zero      0x02
//	positive  0x03 | 4 bytes big-endian uint32(E + 1<<31) | digit+1 ... | 0x00
//	negative  0x01 | the positive layout of |v| after the class byte, every byte complemented
//
// where |v| = 0.d1 d2 … dn × 10^E with d1 and dn nonzero. A larger E is a
// larger magnitude; at equal E the digits compare as a string, and a digit
// byte (0x01–0x0A) is above the terminator, so a prefix sorts first.
// Complementing mirrors the order for negatives. Scale is not kept: 1.5
// and 1.50 have one key, as Compare has them equal.
func appendDecimalKey(dst []byte, s string, flip byte) []byte {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(fmt.Sprintf("rowenc: AppendKey of malformed decimal %q", s))
	}
	digits, exp := decimalDigits(d)
	if digits == "" {
		return append(dst, 0x02^flip)
	}
	var neg byte
	class := byte(0x03)
	if d.Negative {
		neg, class = 0xFF, 0x01
	}
	dst = append(dst, class^flip)
	var e [4]byte
	binary.BigEndian.PutUint32(e[:], uint32(exp+1<<31))
	for _, c := range e {
		dst = append(dst, c^neg^flip)
	}
	for i := 0; i < len(digits); i++ {
		dst = append(dst, (digits[i]-'0'+1)^neg^flip)
	}
	return append(dst, 0x00^neg^flip)
}

func decodeDecimalKey(b []byte, flip byte) (Value, []byte, error) {
	if len(b) == 0 {
		return Value{}, nil, corruptf("key: truncated decimal")
	}
	class := b[0] ^ flip
	b = b[1:]
	var neg byte
	switch class {
	case 0x02:
		return Value{Kind: KindDecimal, S: "0"}, b, nil
	case 0x03:
	case 0x01:
		neg = 0xFF
	default:
		return Value{}, nil, corruptf("key: bad decimal class 0x%02x", class)
	}
	if len(b) < 4 {
		return Value{}, nil, corruptf("key: truncated decimal exponent")
	}
	var e [4]byte
	for i := range e {
		e[i] = b[i] ^ flip ^ neg
	}
	exp := int64(binary.BigEndian.Uint32(e[:])) - 1<<31
	if exp > maxDecimalExp || exp < -maxDecimalExp {
		return Value{}, nil, corruptf("key: decimal exponent %d out of range", exp)
	}
	b = b[4:]
	var digits []byte
	for {
		if len(b) == 0 {
			return Value{}, nil, corruptf("key: unterminated decimal")
		}
		c := b[0] ^ flip ^ neg
		b = b[1:]
		if c == 0 {
			break
		}
		if c > 10 || len(digits) == 0 && c == 1 {
			return Value{}, nil, corruptf("key: bad decimal digit byte 0x%02x", c)
		}
		digits = append(digits, '0'+c-1)
		if len(digits) > 2*maxDecimalExp {
			return Value{}, nil, corruptf("key: decimal too long")
		}
	}
	if len(digits) == 0 || digits[len(digits)-1] == '0' {
		return Value{}, nil, corruptf("key: non-canonical decimal digits")
	}
	sign := ""
	if neg != 0 {
		sign = "-"
	}
	d, _, err := apd.NewFromString(fmt.Sprintf("%s0.%sE%d", sign, digits, exp))
	if err != nil {
		return Value{}, nil, corruptf("key: decimal: %v", err)
	}
	// Plain text without trailing zeros after the point.
	return Decimal(d), b, nil
}
