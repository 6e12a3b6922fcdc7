package pgwire

import (
	"bytes"
	"encoding/binary"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgerror"
)

// Startup packet codes (the first four bytes after the length).
const (
	codeSSLRequest    = 80877103
	codeGSSEncRequest = 80877104
	codeCancelRequest = 80877102
	// maxStartupPacket is PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
	maxStartupPacket = 10000
	// startupTimeout bounds how long a client may take to finish the startup
	// exchange, so half-open connections do not pile up.
	startupTimeout = 60 * time.Second
)

// defaultParameters are reported at startup unless the session reports its
// own value. Clients parse server_version: its first token is a PostgreSQL
// version number.
var defaultParameters = map[string]string{
	"server_version":              "15.0 (Meridian)",
	"server_encoding":             "UTF8",
	"client_encoding":             "UTF8",
	"DateStyle":                   "ISO, MDY",
	"IntervalStyle":               "postgres",
	"TimeZone":                    "UTC",
	"integer_datetimes":           "on",
	"standard_conforming_strings": "on",
	"is_superuser":                "on",
}

// startup runs the startup exchange. It returns true with c.sess open and
// ReadyForQuery sent, or false when the connection must close (any error
// has been sent already).
func (c *conn) startup() bool {
	_ = c.nc.SetReadDeadline(time.Now().Add(startupTimeout))
	if c.isDraining() {
		return false
	}
	// SSLRequest and GSSEncRequest may each come once before the real
	// StartupMessage.
	for range 3 {
		body, ok := c.readStartupPacket()
		if !ok {
			return false
		}
		code := binary.BigEndian.Uint32(body)
		switch code {
		case codeSSLRequest, codeGSSEncRequest:
			// No encryption: answer 'N' and let the client carry on in the
			// clear (or give up, if it insists on TLS).
			if c.bw.WriteByte('N') != nil || c.bw.Flush() != nil {
				return false
			}
			continue
		case codeCancelRequest:
			var m pgproto3.CancelRequest
			if err := m.Decode(body); err != nil {
				c.protocolViolation("malformed cancel request: %v", err)
				return false
			}
			c.srv.cancel(m.ProcessID, m.SecretKey)
			return false
		}
		return c.startSession(code, body[4:])
	}
	c.protocolViolation("too many startup packets")
	return false
}

// readStartupPacket reads one length-prefixed startup packet, returning its
// body (code first).
func (c *conn) readStartupPacket() ([]byte, bool) {
	var hdr [4]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return nil, false // the client went away (or never spoke)
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[:])))
	if n < 8 || n > maxStartupPacket {
		c.protocolViolation("invalid length of startup packet: %d", n)
		return nil, false
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(c.br, body); err != nil {
		return nil, false
	}
	return body, true
}

// startSession handles a StartupMessage with protocol version code and the
// given parameter bytes.
func (c *conn) startSession(code uint32, rest []byte) bool {
	major, minor := code>>16, code&0xffff
	if major != 3 {
		c.sendFatal(pgerror.New(pgerror.CodeFeatureNotSupported,
			"unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, minor))
		return false
	}
	params, err := parseStartupParams(rest)
	if err != nil {
		c.protocolViolation("%v", err)
		return false
	}
	// A newer 3.x minor version, or protocol options (_pq_.*), get
	// NegotiateProtocolVersion and the connection continues as 3.0.
	var unrecognized []string
	for k := range params {
		if strings.HasPrefix(k, "_pq_.") {
			unrecognized = append(unrecognized, k)
			delete(params, k)
		}
	}
	if minor > 0 || len(unrecognized) > 0 {
		slices.Sort(unrecognized)
		c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: 0, UnrecognizedOptions: unrecognized})
	}

	user := params["user"]
	if user == "" {
		c.sendFatal(pgerror.New(pgerror.CodeInvalidAuthorizationSpec, "no PostgreSQL user name specified in startup packet"))
		return false
	}
	if r, ok := params["replication"]; ok && r != "false" && r != "off" && r != "0" && r != "no" {
		c.sendFatal(pgerror.Unsupported("replication connections"))
		return false
	}
	args := sql.SessionArgs{User: user, Database: params["database"], Params: map[string]string{}}
	for k, v := range params {
		switch k {
		case "user", "database", "replication":
		case "options":
			parseOptions(v, args.Params)
		default:
			args.Params[k] = v
		}
	}

	// Trust authentication: every user is accepted.
	c.send(&pgproto3.AuthenticationOk{})
	ctx, done := c.beginStatement()
	sess, err := c.srv.cfg.Engine.NewSession(ctx, args)
	done()
	if err != nil {
		c.sendFatal(pgerror.Flatten(err))
		return false
	}
	c.sess = sess

	reported := maps.Clone(defaultParameters)
	reported["session_authorization"] = user
	if app, ok := args.Params["application_name"]; ok {
		reported["application_name"] = app
	}
	maps.Copy(reported, sess.Parameters())
	for _, k := range slices.Sorted(maps.Keys(reported)) {
		c.trackParameter(k, reported[k])
		c.send(&pgproto3.ParameterStatus{Name: k, Value: reported[k]})
	}
	var key [4]byte
	binary.BigEndian.PutUint32(key[:], c.secret)
	c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: key[:]})
	if err := c.nc.SetReadDeadline(time.Time{}); err != nil {
		return false
	}
	if c.isDraining() {
		// Shutdown began during the startup; the deadline we just cleared
		// was its wake-up call.
		_ = c.nc.SetReadDeadline(time.Unix(1, 0))
	}
	c.log.Debug("pgwire: session started", "user", user, "database", args.Database)
	c.readyForQuery()
	return c.writeErr == nil
}

// parseStartupParams reads the NUL-terminated name/value pairs of a
// StartupMessage, ended by an empty name.
func parseStartupParams(b []byte) (map[string]string, error) {
	params := map[string]string{}
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return nil, errStartupLayout
		}
		if i == 0 {
			if len(b) != 1 {
				return nil, errStartupLayout
			}
			return params, nil
		}
		name := string(b[:i])
		b = b[i+1:]
		j := bytes.IndexByte(b, 0)
		if j < 0 {
			return nil, errStartupLayout
		}
		value := string(b[:j])
		b = b[j+1:]
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			return nil, errStartupEncoding
		}
		params[name] = value
	}
}

var (
	errStartupLayout   = pgerror.New(pgerror.CodeProtocolViolation, "invalid startup packet layout: expected terminator as last byte")
	errStartupEncoding = pgerror.New(pgerror.CodeProtocolViolation, "invalid byte sequence for encoding \"UTF8\" in startup packet")
)

// parseOptions reads the "options" startup parameter: command-line style
// "-c name=value" and "--name=value" settings.
func parseOptions(s string, into map[string]string) {
	fields := strings.Fields(s)
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		var kv string
		switch {
		case f == "-c" && i+1 < len(fields):
			i++
			kv = fields[i]
		case strings.HasPrefix(f, "-c"):
			kv = f[2:]
		case strings.HasPrefix(f, "--"):
			kv = f[2:]
		default:
			continue
		}
		if k, v, ok := strings.Cut(kv, "="); ok {
			into[strings.ReplaceAll(k, "-", "_")] = v
		}
	}
}
