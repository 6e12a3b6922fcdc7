package types

import (
	"strings"
	"time"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

// DATE and TIMESTAMPTZ. Both are rowenc KindTimestamp values: a DATE is
// midnight UTC of its day, a TIMESTAMPTZ the instant. The session TimeZone
// is always UTC, so a TIMESTAMPTZ reads and prints as UTC with "+00".

var (
	// Date is DATE.
	Date = T{OID: OIDDate}
	// Timestamptz is TIMESTAMP WITH TIME ZONE.
	Timestamptz = T{OID: OIDTimestamptz}
)

const microsPerDay = 86_400_000_000

// TruncDay is the midnight (UTC) of the day of a timestamp.
func TruncDay(micros int64) int64 {
	d := micros / microsPerDay
	if micros%microsPerDay < 0 {
		d--
	}
	return d * microsPerDay
}

func parseDate(s string) (rowenc.Value, error) {
	v, err := parseTimestamp(s)
	if err != nil {
		return rowenc.Value{}, pgerror.New(pgerror.CodeInvalidDatetimeFormat, "invalid input syntax for type date: %q", s)
	}
	return rowenc.Timestamp(TruncDay(v.I)), nil
}

// FormatDate renders a DATE as ISO DateStyle does.
func FormatDate(micros int64) string {
	t := time.UnixMicro(micros).UTC()
	if t.Year() <= 0 {
		bc := time.Date(1-t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		return bc.Format("2006-01-02") + " BC"
	}
	return t.Format("2006-01-02")
}

var timestamptzLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999-0700",
	"2006-01-02 15:04:05.999999999 MST",
}

// parseTimestamptz reads a timestamp with an optional UTC offset ("+02",
// "-05:30", "Z", "UTC"); without one it is in the session's zone, UTC.
func parseTimestamptz(s string) (rowenc.Value, error) {
	v := strings.TrimSpace(s)
	for _, layout := range timestamptzLayouts {
		if tm, err := time.Parse(layout, v); err == nil {
			if strings.HasSuffix(layout, "MST") && tm.Location().String() != "UTC" {
				// A zone name Go does not know is not an offset.
				if _, off := tm.Zone(); off == 0 && !strings.HasSuffix(strings.ToUpper(v), "UTC") && !strings.HasSuffix(strings.ToUpper(v), "GMT") {
					continue
				}
			}
			return TimestampValue(tm)
		}
	}
	r, err := parseTimestamp(s)
	if err != nil {
		return rowenc.Value{}, pgerror.New(pgerror.CodeInvalidDatetimeFormat, "invalid input syntax for type timestamp with time zone: %q", s)
	}
	return r, nil
}

// FormatTimestamptz renders a TIMESTAMPTZ in UTC, as PostgreSQL does with
// TimeZone=UTC: "2006-01-02 15:04:05.999999+00".
func FormatTimestamptz(micros int64) string {
	s := FormatTimestamp(micros)
	if strings.HasSuffix(s, " BC") {
		return strings.TrimSuffix(s, " BC") + "+00 BC"
	}
	return s + "+00"
}
