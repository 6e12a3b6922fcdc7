package sql

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// COPY FROM STDIN and TO STDOUT.
//
// COPY runs in the statement's transaction like any other statement, but
// it streams: the data is read from the client chunk by chunk (a Copier's
// CopySource), parsed row by row and inserted in batches of bulkBatch rows
// (bulk.go); COPY TO scans the table in pages of copyPage keys. Because the
// input cannot be read twice, COPY is never retried on a conflict: outside
// a transaction block it runs in its own implicit transaction
// (execUnbuffered) and a conflict reaches the client as 40001.
//
// Atomicity, as in PostgreSQL: COPY FROM is all or nothing. Any error (a
// bad field, a NULL in a NOT NULL column, a duplicate key within the data
// or against a row already there: 23505) fails the statement and none of
// its rows is written; in a transaction block they commit with it.
//
// Memory: bounded, whatever the size of the COPY. The parsed input is one
// chunk and one batch; the rows go to the transaction's write buffer,
// which the transaction stages at the store once it passes a few MiB
// (txn.StageAfter), and the store writes staged rows to disk until the
// commit ingests them (rangeservice/store, staging.go). A node loading
// 10,000,000 rows peaks at the same ~130 MiB as for 1,000,000
// (bench/copymem.sh). ADD PRIMARY KEY's rewrite is bounded the same way.
//
// Locks: COPY FROM locks the table's whole span (rows and index entries)
// exclusively before its first row (bulk.go), so until its transaction
// ends other transactions wait to read or write the table, and concurrent
// COPYs into one table run one after the other; PostgreSQL's readers would
// see the table as it was, and its COPYs would run side by side.

// copyPage is how many rows COPY TO reads per Scan.
var copyPage int64 = 1000 // a variable for tests

// isStreamed reports whether n must talk to the client while it runs, so
// its results cannot be buffered for a retry.
func isStreamed(n ast.StmtNode) bool {
	_, ok := n.(*front.CopyStmt)
	return ok
}

// execUnbuffered runs one streamed statement in an implicit transaction of
// its own, without retries.
func (s *session) execUnbuffered(ctx context.Context, st *front.Parsed, ptypes []types.T, params []rowenc.Value, w ResultWriter) error {
	cs := st.AST.(*front.CopyStmt)
	// COPY (SELECT nextval(...)) TO writes, as nextval does anywhere, and
	// COPY (SELECT ... FOR UPDATE) TO locks.
	readOnly := !cs.From && (cs.Query == nil || readOnlyStmt(cs.Query.AST) && !writesSequence(cs.Query))
	tx, err := s.srv.cfg.DB.Begin(ctx, txn.Options{ReadOnly: readOnly})
	if err != nil {
		return s.flatten(err)
	}
	defer rollbackOnPanic(ctx, tx)
	if err := s.execStmt(ctx, tx, st, ptypes, params, w); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return s.flatten(err)
	}
	if err := tx.Commit(ctx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return s.flatten(err)
	}
	return nil
}

type copyPlan struct {
	st *front.CopyStmt
	// query is the plan of COPY (query) TO; table is nil then.
	query   plan
	table   *catalog.Table
	targets []int  // table columns, in data order
	fill    []expr // per table column not in targets: its DEFAULT (nil for the hidden rowid)
	checks  []check
	// bulk batches the inserts of a running COPY FROM, or is nil.
	bulk *bulkInserter
}

func (cp *copyPlan) columns() []Column { return nil }

func (p *planner) planCopy(n *front.CopyStmt) (plan, error) {
	if n.Query != nil {
		switch n.Query.AST.(type) {
		case *ast.SelectStmt, *ast.SetOprStmt:
		default:
			return nil, pgerror.Unsupported("COPY of this query")
		}
		sub := &planner{ctx: p.ctx, s: p.s, tx: p.tx, st: n.Query, ptypes: []types.T{}}
		q, err := sub.planStmt(n.Query.AST)
		if err != nil {
			return nil, err
		}
		return &copyPlan{st: n, query: q}, nil
	}
	tn := &ast.TableName{Name: ast.NewCIStr(n.Table)}
	t, err := p.resolveTable(tn)
	if err != nil {
		return nil, err
	}
	cp := &copyPlan{st: n, table: t}
	if len(n.Columns) == 0 {
		for i, c := range t.Columns {
			if !c.Hidden {
				cp.targets = append(cp.targets, i)
			}
		}
	} else {
		seen := map[int]bool{}
		for _, name := range n.Columns {
			i := t.ColumnIndex(name)
			if i < 0 {
				return nil, pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", name, t.Name)
			}
			if seen[i] {
				return nil, pgerror.New(pgerror.CodeDuplicateColumn, "column %q specified more than once", name)
			}
			seen[i] = true
			cp.targets = append(cp.targets, i)
		}
	}
	if !n.From {
		return cp, nil
	}
	cp.fill = make([]expr, len(t.Columns))
	in := make([]bool, len(t.Columns))
	for _, i := range cp.targets {
		in[i] = true
	}
	for i := range t.Columns {
		if in[i] || t.Columns[i].Hidden && t.Columns[i].Name == catalog.RowIDColumn {
			continue
		}
		if cp.fill[i], err = p.defaultExpr(&t.Columns[i]); err != nil {
			return nil, err
		}
	}
	if cp.checks, err = p.compileChecks(t); err != nil {
		return nil, err
	}
	return cp, nil
}

func (cp *copyPlan) exec(ec *execCtx, w ResultWriter) error {
	c, ok := w.(Copier)
	if !ok {
		return pgerror.Unsupported("COPY over this connection (use the PostgreSQL wire protocol)")
	}
	if cp.st.Binary {
		bc, ok := w.(BinaryCopier)
		if !ok {
			return pgerror.Unsupported("COPY BINARY over this connection")
		}
		if cp.st.From {
			return cp.copyInBinary(ec, bc, w)
		}
		if cp.query != nil {
			return cp.copyQuery(ec, bc, w)
		}
		return cp.copyOut(ec, bc, w)
	}
	if cp.st.From {
		return cp.copyIn(ec, c, w)
	}
	if cp.query != nil {
		return cp.copyQuery(ec, c, w)
	}
	return cp.copyOut(ec, c, w)
}

// copyQuery runs COPY (query) TO: the query's rows go to the client as
// they come, through queryCopyWriter.
func (cp *copyPlan) copyQuery(ec *execCtx, c Copier, w ResultWriter) error {
	qw := &queryCopyWriter{ResultWriter: w, enc: &copyEncoder{st: cp.st, c: c, loc: ec.s.vars.loc}}
	if err := cp.query.exec(ec, qw); err != nil {
		return err
	}
	if !qw.started {
		// A query plan always describes its columns first; this would be a
		// plan that returned none.
		return pgerror.New(pgerror.CodeInternalError, "COPY query produced no row description")
	}
	if err := qw.enc.finish(); err != nil {
		return err
	}
	return w.Complete("COPY " + strconv.Itoa(qw.enc.n))
}

// queryCopyWriter turns a query's result into COPY data: Columns starts
// the copy, each Row is encoded, the query's own Complete is dropped (COPY
// reports its own tag); notices pass through.
type queryCopyWriter struct {
	ResultWriter
	enc     *copyEncoder
	started bool
}

func (q *queryCopyWriter) Columns(cols []Column) error {
	if q.started {
		return nil
	}
	q.started = true
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Name
		q.enc.types = append(q.enc.types, c.Type)
	}
	return q.enc.start(names)
}

func (q *queryCopyWriter) Row(row []rowenc.Value) error { return q.enc.row(row) }
func (q *queryCopyWriter) Complete(string) error        { return nil }
func (q *queryCopyWriter) EmptyQuery() error            { return nil }

// store fills row's defaults and inserts it; line is for the error context.
func (cp *copyPlan) store(ec *execCtx, row []rowenc.Value, line int) error {
	for i, e := range cp.fill {
		if e == nil {
			continue
		}
		v, err := e.eval(ec, nil)
		if err != nil {
			return cp.withContext(err, line, "")
		}
		row[i] = v
	}
	cp.bulk.assignRowID(row)
	if err := checkRow(ec, cp.table, cp.checks, row); err != nil {
		// Rows queued before this one go first: a duplicate among them is
		// the error row by row would have reported.
		if ferr := cp.bulk.flush(); ferr != nil {
			return ferr
		}
		return cp.withContext(err, line, "")
	}
	// add's errors name their own row's line: a flush it makes may fail
	// for an earlier row of the batch.
	return cp.bulk.add(row, line)
}

// startBulk sets up batched inserts for COPY FROM (bulk.go).
func (cp *copyPlan) startBulk(ec *execCtx) {
	cp.bulk = newBulkInserter(ec, cp.table, func(row []rowenc.Value, line int) error {
		return cp.withContext(uniqueViolation(cp.table.PKName(), cp.table.KeyDetail(row)), line, "")
	})
	cp.bulk.withLine = func(err error, line int) error { return cp.withContext(err, line, "") }
}

// finishBulk inserts the rows still queued.
func (cp *copyPlan) finishBulk() error {
	if cp.bulk == nil {
		return nil
	}
	err := cp.bulk.flush()
	cp.bulk = nil
	return err
}

// copyIn reads and inserts rows until the client ends the data.
func (cp *copyPlan) copyIn(ec *execCtx, c Copier, w ResultWriter) error {
	src, err := c.CopyIn(cp.st.CSV, len(cp.targets))
	if err != nil {
		return err
	}
	r := &copyReader{src: src, st: cp.st}
	t := cp.table
	n := 0
	cp.startBulk(ec)
	defer func() { cp.bulk = nil }()
	for {
		fields, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return cp.withContext(err, r.line, "")
		}
		if r.line == 1 && cp.st.Header {
			continue
		}
		if len(fields) != len(cp.targets) {
			if len(fields) > len(cp.targets) {
				return cp.withContext(pgerror.New(codeBadCopyFileFormat, "extra data after last expected column"), r.line, "")
			}
			return cp.withContext(pgerror.New(codeBadCopyFileFormat, "missing data for column %q", t.Columns[cp.targets[len(fields)]].Name), r.line, "")
		}
		row := make([]rowenc.Value, len(t.Columns))
		for j, f := range fields {
			i := cp.targets[j]
			if f.null {
				row[i] = rowenc.Null()
				continue
			}
			v, err := types.ParseTextIn(t.Columns[i].Type, f.s, ec.s.vars.loc)
			if err != nil {
				return cp.withContext(err, r.line, fmt.Sprintf(", column %s: %q", t.Columns[i].Name, f.s))
			}
			row[i] = v
		}
		if err := cp.store(ec, row, r.line); err != nil {
			return err
		}
		n++
		if int64(n)%copyPage == 0 {
			if err := ec.ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := cp.finishBulk(); err != nil {
		return err
	}
	return w.Complete("COPY " + strconv.Itoa(n))
}

// withContext adds where in the data an error happened, as PostgreSQL's
// CONTEXT line does ("COPY t, line 3, column a: "x"").
func (cp *copyPlan) withContext(err error, line int, col string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, txn.ErrRetryable) {
		return err
	}
	e := pgerror.Flatten(err)
	if e.Code == pgerror.CodeQueryCanceled || e.Code == pgerror.CodeProtocolViolation {
		return e
	}
	where := fmt.Sprintf("COPY %s, line %d%s", cp.table.Name, line, col)
	e2 := *e
	if e2.Detail == "" {
		e2.Detail = where
	} else {
		e2.Detail += "\n" + where
	}
	return &e2
}

// copyOut writes the table's rows in pages.
func (cp *copyPlan) copyOut(ec *execCtx, c Copier, w ResultWriter) error {
	t := cp.table
	enc := &copyEncoder{st: cp.st, c: c, loc: ec.s.vars.loc}
	names := make([]string, len(cp.targets))
	for j, i := range cp.targets {
		names[j] = t.Columns[i].Name
		enc.types = append(enc.types, t.Columns[i].Type)
	}
	if err := enc.start(names); err != nil {
		return err
	}
	start := t.IndexPrefix()
	end := rowenc.PrefixEnd(start)
	row := make([]rowenc.Value, len(t.Columns))
	out := make([]rowenc.Value, len(cp.targets))
	for {
		kvs, err := ec.tx.Scan(ec.ctx, start, end, txn.ScanOptions{MaxKeys: copyPage})
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if err := t.Decode(kv.Key, kv.Value, row); err != nil {
				return err
			}
			for j, i := range cp.targets {
				out[j] = row[i]
			}
			if err := enc.row(out); err != nil {
				return err
			}
		}
		if int64(len(kvs)) < copyPage {
			break
		}
		start = append(append([]byte(nil), kvs[len(kvs)-1].Key...), 0)
	}
	if err := enc.finish(); err != nil {
		return err
	}
	return w.Complete("COPY " + strconv.Itoa(enc.n))
}

// copyEncoder writes COPY TO data: rows of the given column types in the
// statement's format, one CopyData message per row.
type copyEncoder struct {
	st    *front.CopyStmt
	c     Copier
	types []types.T
	loc   *time.Location
	buf   []byte
	n     int // rows written
}

// start announces the data (CopyOutResponse) and writes the header: the
// column names with HEADER; the PGCOPY signature for binary, held
// back to go out with the first tuple.
func (e *copyEncoder) start(names []string) error {
	if e.st.Binary {
		bc, ok := e.c.(BinaryCopier)
		if !ok {
			return pgerror.Unsupported("COPY BINARY over this connection")
		}
		if err := bc.CopyOutBinary(len(names)); err != nil {
			return err
		}
		e.buf = append(e.buf, pgcopySignature...)
		e.buf = append(e.buf, 0, 0, 0, 0, 0, 0, 0, 0) // flags, extension length
		return nil
	}
	if err := e.c.CopyOut(e.st.CSV, len(names)); err != nil {
		return err
	}
	if !e.st.Header {
		return nil
	}
	// PostgreSQL 15 allows HEADER in the text format too.
	for j, name := range names {
		if j > 0 {
			e.buf = append(e.buf, e.st.Delim)
		}
		if e.st.CSV {
			e.buf = appendCSV(e.buf, e.st, name)
		} else {
			e.buf = appendCopyText(e.buf, name, e.st.Delim)
		}
	}
	e.buf = append(e.buf, '\n')
	return e.flush()
}

func (e *copyEncoder) flush() error {
	err := e.c.CopyData(e.buf)
	e.buf = e.buf[:0]
	return err
}

// row writes one row.
func (e *copyEncoder) row(vals []rowenc.Value) error {
	if e.st.Binary {
		var err error
		if e.buf, err = appendBinaryRow(e.buf, e.c.(BinaryCopier), e.types, vals); err != nil {
			return err
		}
	} else {
		for j, v := range vals {
			if j > 0 {
				e.buf = append(e.buf, e.st.Delim)
			}
			if v.IsNull() {
				e.buf = append(e.buf, e.st.Null...)
				continue
			}
			s := types.FormatTextIn(e.types[j], v, e.loc)
			if e.st.CSV {
				e.buf = appendCSV(e.buf, e.st, s)
			} else {
				e.buf = appendCopyText(e.buf, s, e.st.Delim)
			}
		}
		e.buf = append(e.buf, '\n')
	}
	e.n++
	return e.flush()
}

// finish writes the binary trailer (after the header when there were no
// rows).
func (e *copyEncoder) finish() error {
	if !e.st.Binary {
		return nil
	}
	e.buf = append(e.buf, 0xff, 0xff)
	return e.flush()
}

// appendCopyText escapes s for COPY's text format.
func appendCopyText(dst []byte, s string, delim byte) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch ch {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\v':
			dst = append(dst, '\\', 'v')
		default:
			if ch == delim {
				dst = append(dst, '\\')
			}
			dst = append(dst, ch)
		}
	}
	return dst
}

// appendCSV quotes s when it needs it: it holds the delimiter, the quote,
// a line break, equals the NULL string, or is empty and NULL is empty.
func appendCSV(dst []byte, st *front.CopyStmt, s string) []byte {
	need := s == st.Null || s == `\.`
	for i := 0; i < len(s) && !need; i++ {
		ch := s[i]
		need = ch == st.Delim || ch == st.Quote || ch == '\n' || ch == '\r'
	}
	if !need {
		return append(dst, s...)
	}
	dst = append(dst, st.Quote)
	for i := 0; i < len(s); i++ {
		if s[i] == st.Quote || s[i] == st.Escape {
			dst = append(dst, st.Escape)
		}
		dst = append(dst, s[i])
	}
	return append(dst, st.Quote)
}

// copyField is one parsed field of a COPY FROM row.
type copyField struct {
	s    string
	null bool
}

// copyReader splits the client's COPY data into rows. It holds at most one
// row plus one chunk of data.
type copyReader struct {
	src    CopySource
	st     *front.CopyStmt
	buf    []byte
	pos    int
	eof    bool
	done   bool // saw the \. end marker
	line   int  // the line number of the row last returned
	fields []copyField
}

// fill reads another chunk; false at the end of the data.
func (r *copyReader) fill() (bool, error) {
	if r.eof {
		return false, nil
	}
	if r.pos > 0 {
		r.buf = append(r.buf[:0], r.buf[r.pos:]...)
		r.pos = 0
	}
	data, err := r.src.Next()
	if err == io.EOF {
		r.eof = true
		return false, nil
	}
	if err != nil {
		r.eof = true
		return false, err
	}
	r.buf = append(r.buf, data...)
	return true, nil
}

// next returns the fields of the next row, or io.EOF.
func (r *copyReader) next() ([]copyField, error) {
	for {
		if r.done {
			// Data after \. is read and ignored, as PostgreSQL does.
			for {
				r.pos = len(r.buf)
				more, err := r.fill()
				if err != nil {
					return nil, err
				}
				if !more {
					return nil, io.EOF
				}
			}
		}
		end := r.recordEnd()
		if end < 0 {
			more, err := r.fill()
			if err != nil {
				return nil, err
			}
			if more {
				continue
			}
			if r.pos == len(r.buf) {
				return nil, io.EOF
			}
			end = len(r.buf) // a last line without a newline
		}
		rec := r.buf[r.pos:end]
		r.pos = end
		if r.pos < len(r.buf) {
			r.pos++ // the newline
		}
		rec = bytes.TrimSuffix(rec, []byte{'\r'})
		r.line++
		if string(rec) == `\.` {
			r.done = true
			continue
		}
		if r.st.CSV {
			return r.splitCSV(rec)
		}
		return r.splitText(rec)
	}
}

// recordEnd returns the index in buf of the newline ending the record at
// pos, or -1 when the buffer does not hold a whole record yet. In CSV a
// newline inside quotes is data.
func (r *copyReader) recordEnd() int {
	b := r.buf[r.pos:]
	if !r.st.CSV {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return -1
		}
		return r.pos + i
	}
	inQuote := false
	q, esc := r.st.Quote, r.st.Escape
	for i := 0; i < len(b); i++ {
		ch := b[i]
		switch {
		case inQuote && ch == esc && esc != q && i+1 < len(b) && (b[i+1] == q || b[i+1] == esc):
			i++
		case ch == q:
			inQuote = !inQuote
		case ch == '\n' && !inQuote:
			return r.pos + i
		}
	}
	return -1
}

func (r *copyReader) splitText(rec []byte) ([]copyField, error) {
	r.fields = r.fields[:0]
	delim := r.st.Delim
	for {
		i := 0
		// The field ends at an unescaped delimiter.
		for i < len(rec) && rec[i] != delim {
			if rec[i] == '\\' && i+1 < len(rec) {
				i++
			}
			i++
		}
		raw := rec[:i]
		if string(raw) == r.st.Null {
			r.fields = append(r.fields, copyField{null: true})
		} else {
			s, err := unescapeCopyText(raw)
			if err != nil {
				return nil, err
			}
			r.fields = append(r.fields, copyField{s: s})
		}
		if i >= len(rec) {
			return r.fields, nil
		}
		rec = rec[i+1:]
	}
}

func unescapeCopyText(raw []byte) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw), nil
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		if ch != '\\' || i+1 >= len(raw) {
			out = append(out, ch)
			continue
		}
		i++
		ch = raw[i]
		switch ch {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'v':
			out = append(out, '\v')
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(raw) && isHex(raw[i+1]) {
				v = v*16 + hexVal(raw[i+1])
				i++
				n++
			}
			if n == 0 {
				out = append(out, 'x')
			} else {
				out = append(out, byte(v))
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(ch - '0')
			for n := 1; n < 3 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7'; n++ {
				v = v*8 + int(raw[i+1]-'0')
				i++
			}
			out = append(out, byte(v))
		default:
			out = append(out, ch)
		}
	}
	return string(out), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

func (r *copyReader) splitCSV(rec []byte) ([]copyField, error) {
	r.fields = r.fields[:0]
	st := r.st
	i := 0
	for {
		var sb strings.Builder
		quoted := false
		start := i
		for i < len(rec) && rec[i] != st.Delim {
			ch := rec[i]
			if ch != st.Quote {
				sb.WriteByte(ch)
				i++
				continue
			}
			quoted = true
			i++
			for {
				if i >= len(rec) {
					return nil, pgerror.New(codeBadCopyFileFormat, "unterminated CSV quoted field")
				}
				ch := rec[i]
				if ch == st.Escape && i+1 < len(rec) && (rec[i+1] == st.Quote || rec[i+1] == st.Escape) && (st.Escape != st.Quote || rec[i+1] == st.Quote) {
					sb.WriteByte(rec[i+1])
					i += 2
					continue
				}
				if ch == st.Quote {
					i++
					break
				}
				sb.WriteByte(ch)
				i++
			}
		}
		raw := string(rec[start:i])
		if !quoted && raw == st.Null {
			r.fields = append(r.fields, copyField{null: true})
		} else {
			r.fields = append(r.fields, copyField{s: sb.String()})
		}
		if i >= len(rec) {
			return r.fields, nil
		}
		i++ // the delimiter
	}
}

// codeBadCopyFileFormat is SQLSTATE 22P04.
const codeBadCopyFileFormat = "22P04"
