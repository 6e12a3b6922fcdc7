package sql

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/types"
)

// varDef describes a session variable clients may SET or SHOW.
type varDef struct {
	name     string // canonical spelling, as SHOW and ParameterStatus report it
	def      string
	reported bool // sent to the client in ParameterStatus
	readOnly bool
	// check validates and normalises a new value.
	check func(v string) (string, error)
}

var varDefs = map[string]*varDef{}

func init() {
	for _, d := range []*varDef{
		{name: "application_name", def: "", reported: true},
		{name: "client_encoding", def: "UTF8", reported: true, check: checkEncoding},
		{name: "DateStyle", def: "ISO, MDY", reported: true, check: checkDateStyle},
		{name: "TimeZone", def: "UTC", reported: true, check: checkTimeZone},
		{name: "IntervalStyle", def: "postgres", reported: true, check: only("postgres")},
		{name: "extra_float_digits", def: "1", check: checkExtraFloatDigits},
		{name: "search_path", def: `"$user", public`},
		{name: "statement_timeout", def: "0", check: checkTimeout},
		{name: "lock_timeout", def: "0"},
		{name: "idle_in_transaction_session_timeout", def: "0"},
		{name: "transaction_isolation", def: "serializable", check: only("serializable", "repeatable read", "read committed", "read uncommitted")},
		{name: "default_transaction_isolation", def: "serializable", check: only("serializable", "repeatable read", "read committed", "read uncommitted")},
		{name: "standard_conforming_strings", def: "on", reported: true, check: only("on")},
		{name: "integer_datetimes", def: "on", reported: true, readOnly: true},
		{name: "server_version", reported: true, readOnly: true},
		{name: "server_encoding", def: "UTF8", reported: true, readOnly: true},
		{name: "is_superuser", def: "on", reported: true, readOnly: true},
		{name: "session_authorization", reported: true, readOnly: true},
		{name: "max_identifier_length", def: "63", readOnly: true},
		// Settings pg_dump's output and common clients set. They mean here
		// what they mean in PostgreSQL, for the values accepted.
		{name: "client_min_messages", def: "notice", check: oneOf("client_min_messages", messageLevels...)},
		{name: "check_function_bodies", def: "on", check: checkBool},
		{name: "row_security", def: "on", check: checkBool},
		{name: "xmloption", def: "content", check: oneOf("xmloption", "content", "document")},
		{name: "default_tablespace", def: "", check: only("", "pg_default")},
		{name: "default_table_access_method", def: "heap", check: oneOf("default_table_access_method", "heap")},
		{name: "synchronous_commit", def: "on", check: oneOf("synchronous_commit", "on", "off", "local", "remote_write", "remote_apply")},
		{name: "bytea_output", def: "hex", check: only("hex")},
		{name: "escape_string_warning", def: "on", check: checkBool},
	} {
		varDefs[strings.ToLower(d.name)] = d
	}
}

func canonicalVarName(name string) string { return strings.ToLower(name) }

// messageLevels are client_min_messages' values, least severe first: a
// message reaches the client if its level is not before the setting.
var messageLevels = []string{"debug5", "debug4", "debug3", "debug2", "debug1", "log", "info", "notice", "warning", "error"}

func levelRank(level string) int {
	for i, l := range messageLevels {
		if strings.EqualFold(l, level) {
			return i
		}
	}
	return len(messageLevels)
}

// checkBool accepts PostgreSQL's spellings of a boolean setting.
func checkBool(v string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "true", "yes", "1", "t", "y":
		return "on", nil
	case "off", "false", "no", "0", "f", "n":
		return "off", nil
	}
	return "", pgerror.New(pgerror.CodeInvalidParameterValue, "parameter requires a Boolean value")
}

func checkEncoding(v string) (string, error) {
	switch strings.ToUpper(strings.ReplaceAll(v, "-", "")) {
	case "UTF8", "UNICODE":
		return "UTF8", nil
	}
	return "", pgerror.Unsupported("client_encoding " + v + " (only UTF8)")
}

func checkDateStyle(v string) (string, error) {
	parts := strings.Split(v, ",")
	order := "MDY"
	for _, p := range parts {
		switch strings.ToUpper(strings.TrimSpace(p)) {
		case "ISO":
		case "MDY", "US", "NONEURO", "NONEUROPEAN", "DEFAULT":
			order = "MDY"
		case "DMY", "EURO", "EUROPEAN":
			order = "DMY"
		case "YMD":
			order = "YMD"
		default:
			return "", pgerror.Unsupported("DateStyle " + v + " (only ISO)")
		}
	}
	return "ISO, " + order, nil
}

// checkTimeZone accepts the zones types.LoadZone does; SHOW reports the
// name as set.
func checkTimeZone(v string) (string, error) {
	if _, err := types.LoadZone(v); err != nil {
		return "", err
	}
	return strings.TrimSpace(v), nil
}

func checkExtraFloatDigits(v string) (string, error) {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return "", pgerror.New(pgerror.CodeInvalidParameterValue, "invalid value for parameter \"extra_float_digits\": %q", v)
	}
	if n < -15 || n > 3 {
		return "", pgerror.New(pgerror.CodeInvalidParameterValue, "%d is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)", n)
	}
	return strconv.Itoa(n), nil
}

// oneOf checks a setting whose every PostgreSQL value Meridian takes: any
// other value is invalid (22023), not unsupported.
func oneOf(name string, allowed ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		for _, a := range allowed {
			if strings.EqualFold(strings.TrimSpace(v), a) {
				return a, nil
			}
		}
		return "", pgerror.New(pgerror.CodeInvalidParameterValue, "invalid value for parameter %q: %q", name, v).
			WithHint("Available values: %s.", strings.Join(allowed, ", "))
	}
}

func only(allowed ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		for _, a := range allowed {
			if strings.EqualFold(strings.TrimSpace(v), a) {
				return a, nil
			}
		}
		return "", pgerror.Unsupported("value " + strconv.Quote(v) + " (supported: " + strings.Join(allowed, ", ") + ")")
	}
}

// sessionVars holds a session's variables.
type sessionVars struct {
	vals    map[string]string // by lower-case name
	changed []string          // reported names changed since the last drain
	// loc is the TimeZone's location (nil: UTC).
	loc *time.Location
}

func newSessionVars(serverVersion, user string) *sessionVars {
	v := &sessionVars{vals: map[string]string{}}
	for k, d := range varDefs {
		v.vals[k] = d.def
	}
	v.vals["server_version"] = serverVersion
	v.vals["session_authorization"] = user
	return v
}

// set assigns a variable (value "" with reset true means DEFAULT). At
// startup, unknown names are ignored, as drivers send options of their own.
func (v *sessionVars) set(name, value string, reset bool) error {
	d, ok := varDefs[name]
	if !ok {
		if strings.Contains(name, ".") {
			// Custom (extension-style) variables are free-form.
			v.vals[name] = value
			return nil
		}
		return pgerror.New(pgerror.CodeUndefinedObject, "unrecognized configuration parameter %q", name)
	}
	if d.readOnly {
		return pgerror.New(codeCantChangeRuntimeParam, "parameter %q cannot be changed", d.name)
	}
	if reset {
		value = d.def
	} else if d.check != nil {
		var err error
		if value, err = d.check(value); err != nil {
			return err
		}
	}
	if v.vals[name] != value && d.reported {
		v.changed = append(v.changed, name)
	}
	v.vals[name] = value
	if name == "timezone" {
		v.loc, _ = types.LoadZone(value)
	}
	return nil
}

func (v *sessionVars) get(name string) (display string, value string, err error) {
	if val, ok := v.vals[name]; ok {
		if d, ok := varDefs[name]; ok {
			return d.name, val, nil
		}
		return name, val, nil
	}
	return "", "", pgerror.New(pgerror.CodeUndefinedObject, "unrecognized configuration parameter %q", name)
}

// reported returns the reported parameters by their canonical names.
func (v *sessionVars) reported() map[string]string {
	out := map[string]string{}
	for k, d := range varDefs {
		if d.reported {
			out[d.name] = v.vals[k]
		}
	}
	return out
}

// drain returns the reported parameters changed since the last call.
func (v *sessionVars) drain() [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	for _, k := range v.changed {
		if !seen[k] {
			seen[k] = true
			out = append(out, [2]string{varDefs[k].name, v.vals[k]})
		}
	}
	v.changed = nil
	return out
}

func (v *sessionVars) all() [][2]string {
	var out [][2]string
	for k, val := range v.vals {
		name := k
		if d, ok := varDefs[k]; ok {
			name = d.name
		}
		out = append(out, [2]string{name, val})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i][0]) < strings.ToLower(out[j][0]) })
	return out
}

// parseTimeout reads a duration setting as PostgreSQL does: a bare number
// is milliseconds; units ms, s, min, h and d are accepted.
func parseTimeout(v string) (time.Duration, bool) {
	v = strings.TrimSpace(strings.ToLower(v))
	num := strings.TrimRightFunc(v, func(r rune) bool { return r >= 'a' && r <= 'z' })
	unit := strings.TrimSpace(v[len(num):])
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	mult := map[string]time.Duration{"": time.Millisecond, "ms": time.Millisecond, "s": time.Second,
		"min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[unit]
	if mult == 0 {
		return 0, false
	}
	return time.Duration(n) * mult, true
}

func checkTimeout(v string) (string, error) {
	if _, ok := parseTimeout(v); !ok {
		return "", pgerror.New(pgerror.CodeInvalidParameterValue, "invalid value for parameter \"statement_timeout\": %q", v)
	}
	return strings.TrimSpace(v), nil
}

// statementTimeout is the session's statement_timeout (0: none).
func (v *sessionVars) statementTimeout() time.Duration {
	d, _ := parseTimeout(v.vals["statement_timeout"])
	return d
}
