package types

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zones work without the system's tzdata

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
)

// DATE and TIMESTAMPTZ. Both are rowenc KindTimestamp values: a DATE is
// midnight UTC of its day, a TIMESTAMPTZ the instant (UTC microseconds).
// A TIMESTAMPTZ reads (without an explicit offset) and prints in the
// session TimeZone, a *time.Location (LoadZone); nil means UTC.

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

// LoadZone reads a TimeZone setting as PostgreSQL's SET TIME ZONE does: an
// IANA name ("America/New_York", "Etc/UTC"), "UTC", "GMT" or "Z". Numeric
// and POSIX-style offsets ("-5", "+05:30", "UTC+5": PostgreSQL reads them
// with POSIX's inverted sign) are refused with 0A000; an unknown name is
// 22023.
func LoadZone(v string) (*time.Location, error) {
	name := strings.TrimSpace(v)
	switch strings.ToUpper(name) {
	case "UTC", "GMT", "Z", "ZULU", "UCT":
		return time.UTC, nil
	}
	// The tz database first, as PostgreSQL looks (so "Etc/GMT+5" and
	// "GMT-0" are its zones).
	if name != "" && !strings.HasPrefix(name, "/") && !strings.Contains(name, "..") && strings.ToLower(name) != "local" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	if strings.IndexFunc(name, func(r rune) bool { return r >= '0' && r <= '9' }) >= 0 &&
		strings.ContainsAny(name, "+-") || isNumber(name) {
		return nil, pgerror.Unsupported("numeric or POSIX-style time zone " + strconv.Quote(name))
	}
	return nil, pgerror.New(pgerror.CodeInvalidParameterValue, "invalid value for parameter \"TimeZone\": %q", v)
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// ZoneOf is loc, or UTC when loc is nil.
func ZoneOf(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// parseTimestamptz reads a timestamp with an optional UTC offset ("+02",
// "-05:30", "Z", "UTC"); without one it is in the session's zone loc.
func parseTimestamptz(s string, loc *time.Location) (rowenc.Value, error) {
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
	return LocalToInstant(r.I, loc)
}

// LocalToInstant reads a TIMESTAMP (wall-clock micros) as a time in loc and
// returns the instant, as timestamp::timestamptz does. A wall time in a
// spring-forward gap or a fall-back overlap resolves as PostgreSQL does:
// with the offset in effect before the transition.
func LocalToInstant(wall int64, loc *time.Location) (rowenc.Value, error) {
	loc = ZoneOf(loc)
	if loc == time.UTC {
		return rowenc.Timestamp(wall), nil
	}
	// The offset before the transition: the zone's offset at the wall
	// time read as UTC, less a day's worth of slack, tried both ways.
	w := time.UnixMicro(wall).UTC()
	_, off1 := w.Add(-24 * time.Hour).In(loc).Zone()
	_, off2 := w.Add(24 * time.Hour).In(loc).Zone()
	cand := func(off int) (int64, bool) {
		inst := wall - int64(off)*1_000_000
		_, o := time.UnixMicro(inst).In(loc).Zone()
		return inst, o == off
	}
	if i, ok := cand(off1); ok {
		if j, ok2 := cand(off2); ok2 && off1 != off2 {
			// Overlap (fall back): PostgreSQL takes the offset in effect
			// after the transition, the later instant.
			return rowenc.Timestamp(max(i, j)), nil
		}
		return rowenc.Timestamp(i), nil
	}
	if j, ok := cand(off2); ok {
		return rowenc.Timestamp(j), nil
	}
	// Gap (spring forward): PostgreSQL reads the wall time with the offset
	// before the transition.
	return rowenc.Timestamp(wall - int64(off1)*1_000_000), nil
}

// InstantToLocal is the wall-clock TIMESTAMP (micros) of an instant in loc,
// as timestamptz::timestamp.
func InstantToLocal(micros int64, loc *time.Location) int64 {
	loc = ZoneOf(loc)
	if loc == time.UTC {
		return micros
	}
	_, off := time.UnixMicro(micros).In(loc).Zone()
	return micros + int64(off)*1_000_000
}

// FormatTimestamptz renders a TIMESTAMPTZ in UTC, as PostgreSQL does with
// TimeZone=UTC: "2006-01-02 15:04:05.999999+00".
func FormatTimestamptz(micros int64) string { return FormatTimestamptzIn(micros, nil) }

// FormatTimestamptzIn renders a TIMESTAMPTZ in loc with its offset, as
// PostgreSQL's ISO DateStyle does: "2024-01-01 07:00:00-05", with minutes
// (and seconds) when not zero ("+05:30").
func FormatTimestamptzIn(micros int64, loc *time.Location) string {
	loc = ZoneOf(loc)
	_, off := time.UnixMicro(micros).In(loc).Zone()
	s := FormatTimestamp(micros + int64(off)*1_000_000)
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	z := sign + twoDigits(off/3600)
	if off%3600 != 0 {
		z += ":" + twoDigits(off%3600/60)
		if off%60 != 0 {
			z += ":" + twoDigits(off%60)
		}
	}
	if strings.HasSuffix(s, " BC") {
		return strings.TrimSuffix(s, " BC") + z + " BC"
	}
	return s + z
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
