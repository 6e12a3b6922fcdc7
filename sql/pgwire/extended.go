package pgwire

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// prepStmt is a statement made by Parse.
type prepStmt struct {
	name string
	p    sql.Prepared
}

// portal is a statement bound to its parameters by Bind.
type portal struct {
	stmt    *prepStmt
	params  []rowenc.Value
	cols    []sql.Column
	formats []int16 // one per column

	// Execution state. A portal runs once; an Execute with a row limit
	// buffers every row (already encoded) and later Executes page them out.
	ran   bool
	rows  [][][]byte
	next  int // index of the next row to send
	tag   string
	empty bool // the statement was an empty query
}

func stmtDesc(name string) string {
	if name == "" {
		return "unnamed prepared statement"
	}
	return "prepared statement \"" + name + "\""
}

func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			return pgerror.New(pgerror.CodeDuplicatePreparedStatement, "prepared statement %q already exists", m.Name)
		}
	}
	if !utf8.ValidString(m.Query) {
		return pgerror.New(pgerror.CodeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
	}
	paramTypes := make([]types.T, len(m.ParameterOIDs))
	for i, oid := range m.ParameterOIDs {
		if oid == 0 {
			paramTypes[i] = types.Unknown
			continue
		}
		t, ok := types.FromOID(oid)
		if !ok {
			return pgerror.New(pgerror.CodeUndefinedObject, "type with OID %d is not supported", oid)
		}
		paramTypes[i] = t
	}
	ctx, done := c.beginStatement()
	p, err := c.sess.Prepare(ctx, m.Query, paramTypes)
	done()
	if err != nil {
		return err
	}
	c.stmts[m.Name] = &prepStmt{name: m.Name, p: p}
	c.send(&pgproto3.ParseComplete{})
	return nil
}

// formatFor returns the format code for item i of n given a Bind format
// list: empty means all text, one entry applies to all.
func formatFor(codes []int16, i int) int16 {
	switch len(codes) {
	case 0:
		return 0
	case 1:
		return codes[0]
	}
	return codes[i]
}

func (c *conn) bind(m *pgproto3.Bind) error {
	st, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return pgerror.New(pgerror.CodeInvalidSQLStatementName, "%s does not exist", stmtDesc(m.PreparedStatement))
	}
	if b, ok := c.sess.(sql.Binder); ok {
		if err := b.CheckBind(st.p); err != nil {
			return err
		}
	}
	if m.DestinationPortal != "" {
		if _, ok := c.portals[m.DestinationPortal]; ok {
			return pgerror.New("42P03", "portal %q already exists", m.DestinationPortal)
		}
	}
	ptypes := st.p.ParamTypes()
	if len(m.Parameters) != len(ptypes) {
		return pgerror.New(pgerror.CodeProtocolViolation,
			"bind message supplies %d parameters, but %s requires %d", len(m.Parameters), stmtDesc(st.name), len(ptypes))
	}
	if n := len(m.ParameterFormatCodes); n > 1 && n != len(ptypes) {
		return pgerror.New(pgerror.CodeProtocolViolation,
			"bind message has %d parameter formats but %d parameters", n, len(ptypes))
	}
	params := make([]rowenc.Value, len(ptypes))
	for i, raw := range m.Parameters {
		f := formatFor(m.ParameterFormatCodes, i)
		v, err := decodeParam(ptypes[i], f, raw, c.loc)
		if err != nil {
			if pe, ok := err.(*pgerror.Error); ok && pe.Code != pgerror.CodeProtocolViolation {
				// Say which parameter, as PostgreSQL's context line does.
				return pe.WithDetail("while binding parameter $%d", i+1)
			}
			return err
		}
		params[i] = v
	}
	cols := st.p.Columns()
	if n := len(m.ResultFormatCodes); n > 1 && n != len(cols) {
		return pgerror.New(pgerror.CodeProtocolViolation,
			"bind message has %d result formats but query has %d columns", n, len(cols))
	}
	formats := make([]int16, len(cols))
	for i, col := range cols {
		f := formatFor(m.ResultFormatCodes, i)
		if err := checkFormat(col.Type, f); err != nil {
			return err
		}
		formats[i] = f
	}
	c.portals[m.DestinationPortal] = &portal{stmt: st, params: params, cols: cols, formats: formats}
	c.send(&pgproto3.BindComplete{})
	return nil
}

func (c *conn) describe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		st, ok := c.stmts[m.Name]
		if !ok {
			return pgerror.New(pgerror.CodeInvalidSQLStatementName, "%s does not exist", stmtDesc(m.Name))
		}
		ptypes := st.p.ParamTypes()
		oids := make([]uint32, len(ptypes))
		for i, t := range ptypes {
			oids[i] = t.OID
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: oids})
		c.sendRowDescription(st.p.Columns(), nil)
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return pgerror.New(pgerror.CodeInvalidCursorName, "portal %q does not exist", m.Name)
		}
		c.sendRowDescription(p.cols, p.formats)
	default:
		return pgerror.New(pgerror.CodeProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
	}
	return nil
}

// sendRowDescription sends RowDescription for cols (formats nil means all
// text), or NoData when there are none.
func (c *conn) sendRowDescription(cols []sql.Column, formats []int16) {
	if cols == nil {
		c.send(&pgproto3.NoData{})
		return
	}
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableOID:             col.TableOID,
			TableAttributeNumber: uint16(col.ColumnNum),
			DataTypeOID:          col.Type.OID,
			DataTypeSize:         col.Type.Size(),
			TypeModifier:         col.Type.Modifier(),
		}
		if formats != nil {
			fields[i].Format = formats[i]
		}
	}
	c.send(&pgproto3.RowDescription{Fields: fields})
}

func (c *conn) closeObject(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		delete(c.portals, m.Name)
	default:
		return pgerror.New(pgerror.CodeProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType)
	}
	c.send(&pgproto3.CloseComplete{})
	return nil
}

func (c *conn) execute(m *pgproto3.Execute) error {
	p, ok := c.portals[m.Portal]
	if !ok {
		return pgerror.New(pgerror.CodeInvalidCursorName, "portal %q does not exist", m.Portal)
	}
	if !p.ran {
		p.ran = true
		w := &portalWriter{c: c, p: p, stream: m.MaxRows == 0}
		ctx, done := c.beginStatement()
		err := c.sess.ExecPrepared(ctx, p.stmt.p, p.params, w)
		done()
		if err != nil {
			return err
		}
		if w.stream {
			return nil // rows and CommandComplete went out as they came
		}
	}
	n := len(p.rows) - p.next
	if m.MaxRows > 0 && int(m.MaxRows) < n {
		n = int(m.MaxRows)
	}
	for _, row := range p.rows[p.next : p.next+n] {
		c.send(&pgproto3.DataRow{Values: row})
	}
	p.next += n
	// Like PostgreSQL, a page that filled the limit suspends the portal even
	// when no rows remain; the next Execute then completes it with none.
	if m.MaxRows > 0 && n == int(m.MaxRows) {
		c.send(&pgproto3.PortalSuspended{})
		return nil
	}
	p.rows = nil
	p.next = 0
	if p.empty {
		c.send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(pagedTag(p.tag, n))})
	return nil
}

// pagedTag is the command tag for the Execute that sent the last n rows of a
// portal: PostgreSQL counts the rows of that Execute in a SELECT's tag.
func pagedTag(tag string, n int) string {
	if rest, ok := strings.CutPrefix(tag, "SELECT "); ok {
		if _, err := strconv.Atoi(rest); err == nil {
			return "SELECT " + strconv.Itoa(n)
		}
	}
	return tag
}
