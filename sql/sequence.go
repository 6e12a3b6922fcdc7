package sql

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/meridiandb/meridian/txn"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// Sequences (CREATE/DROP SEQUENCE, nextval/currval/setval/lastval, SERIAL).
//
// nextval is not transactional, as in PostgreSQL: it reserves values in a
// transaction of its own that commits at once, so a rolled-back statement
// does not give its value back and concurrent callers never wait on each
// other's transactions. The reservation advances the sequence's value key
// (catalog.SequenceValueKey) by Cache increments; this node hands the
// block out from memory (seqCache) until it is used up. Values therefore
// stay unique across nodes — each block is reserved in the store — but, as
// with PostgreSQL's CACHE, they are not handed out in order across nodes
// (or sessions, for Cache > 1), and an unused block is lost when the node
// stops.
//
// A sequence whose descriptor or value the statement's transaction wrote
// (CREATE, ALTER, SERIAL, a reservation made in it) is locked by that
// transaction until it ends, so a separate transaction would wait on it
// while the statement waits on the separate one: a deadlock. The session
// remembers such sequences with the transaction that wrote them
// (sessionSeqs.writtenBy), and their values are then reserved in the
// statement's transaction (and rolled back with it). Another session's
// uncommitted sequence is invisible to a separate transaction as well
// (errSeqNotVisible).

const (
	codeObjectNotInPrerequisiteState = "55000"
	codeSequenceGeneratorLimit       = "2200H"
)

// seqCache is a node's reserved blocks of sequence values.
type seqCache struct {
	mu     sync.Mutex
	blocks map[catalog.ID]*seqBlock
}

// seqBlock is a reserved run of values: next, next+inc, ... up to last
// (inclusive; beyond it when the increment is negative).
type seqBlock struct {
	next, last int64
}

func (c *seqCache) take(s *catalog.Sequence) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.blocks[s.ID]
	if b == nil {
		return 0, false
	}
	v := b.next
	if s.Increment > 0 && v > b.last || s.Increment < 0 && v < b.last {
		delete(c.blocks, s.ID)
		return 0, false
	}
	b.next += s.Increment
	return v, true
}

func (c *seqCache) put(id catalog.ID, b *seqBlock) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blocks == nil {
		c.blocks = map[catalog.ID]*seqBlock{}
	}
	c.blocks[id] = b
}

func (c *seqCache) forget(id catalog.ID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.blocks, id)
}

// nodeSeqs holds each Server's cache (keyed by the Server, so that the
// shared Server struct needs no field for it).
var nodeSeqs sync.Map // *Server -> *seqCache

func (s *Server) seqCache() *seqCache {
	if c, ok := nodeSeqs.Load(s); ok {
		return c.(*seqCache)
	}
	c, _ := nodeSeqs.LoadOrStore(s, &seqCache{})
	return c.(*seqCache)
}

// sessionSeqs is a session's currval/lastval state.
type sessionSeqs struct {
	last    map[string]int64
	lastval *int64
	// writtenBy maps a sequence to the transaction of this session that
	// wrote its descriptor or value, while that may still be open.
	writtenBy map[catalog.ID]txn.Txn
}

// noteSeqWrite records that the statement's transaction wrote sequence id.
func (ec *execCtx) noteSeqWrite(id catalog.ID) {
	st := ec.s.seqs()
	if st.writtenBy == nil {
		st.writtenBy = map[catalog.ID]txn.Txn{}
	}
	st.writtenBy[id] = ec.tx
}

// seqWrittenHere reports whether the statement's transaction wrote
// sequence id (and so holds its locks). Entries of finished transactions
// are dropped as they are met.
func (ec *execCtx) seqWrittenHere(id catalog.ID) bool {
	st := ec.s.seqs()
	tx, ok := st.writtenBy[id]
	if ok && tx != ec.tx {
		delete(st.writtenBy, id)
		return false
	}
	return ok
}

var sessionSeqState sync.Map // *session -> *sessionSeqs

func (s *session) seqs() *sessionSeqs {
	if v, ok := sessionSeqState.Load(s); ok {
		return v.(*sessionSeqs)
	}
	v, _ := sessionSeqState.LoadOrStore(s, &sessionSeqs{last: map[string]int64{}})
	return v.(*sessionSeqs)
}

// forgetSessionSeqs drops a closed session's state.
func forgetSessionSeqs(s *session) { sessionSeqState.Delete(s) }

// parseSeqName reads a sequence name as nextval's text argument spells it:
// [public.]name, unquoted parts folded to lower case.
func parseSeqName(arg string) (string, error) {
	parts := splitQualified(arg)
	switch len(parts) {
	case 1:
		return parts[0], nil
	case 2:
		if parts[0] != "public" {
			return "", pgerror.New(pgerror.CodeInvalidSchemaName, "schema %q does not exist", parts[0])
		}
		return parts[1], nil
	}
	return "", pgerror.New(pgerror.CodeInvalidParameterValue, "improper relation name (too many dotted names): %s", arg)
}

func splitQualified(s string) []string {
	var parts []string
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"' && inQuote && i+1 < len(s) && s[i+1] == '"':
			cur.WriteByte('"')
			i++
		case ch == '"':
			inQuote = !inQuote
		case ch == '.' && !inQuote:
			parts = append(parts, cur.String())
			cur.Reset()
		case !inQuote:
			cur.WriteString(strings.ToLower(string(ch)))
		default:
			cur.WriteByte(ch)
		}
	}
	return append(parts, cur.String())
}

// lookupSeq finds a sequence by the name a function argument gives.
func (ec *execCtx) lookupSeq(arg string) (*catalog.Sequence, error) {
	name, err := parseSeqName(arg)
	if err != nil {
		return nil, err
	}
	db, err := catalog.LookupDatabase(ec.ctx, ec.tx, ec.s.dbName)
	if err != nil {
		return nil, err
	}
	if db == nil {
		return nil, pgerror.New(pgerror.CodeInvalidCatalogName, "database %q does not exist", ec.s.dbName)
	}
	seq, err := catalog.LookupSequence(ec.ctx, ec.tx, db.ID, name)
	if err != nil {
		return nil, err
	}
	if seq == nil {
		return nil, pgerror.New(pgerror.CodeUndefinedTable, "relation %q does not exist", name)
	}
	return seq, nil
}

// reserve takes the next block of values of seq in tx: it returns the
// block's first and last values.
func reserve(ctx context.Context, tx txn.Txn, seq *catalog.Sequence) (seqBlock, error) {
	last, called, found, err := catalog.ReadSequenceValue(ctx, tx, seq, true)
	if err != nil {
		return seqBlock{}, err
	}
	first := seq.Start
	if found && !called {
		first = last
	}
	if found && called {
		first, err = stepSeq(seq, last)
		if err != nil {
			return seqBlock{}, err
		}
	}
	cache := max(seq.Cache, 1)
	end := first
	// The block's last value, clamped to the bound.
	span := float64(seq.Increment) * float64(cache-1)
	switch {
	case seq.Increment > 0 && float64(first)+span > float64(seq.Max):
		end = first + (seq.Max-first)/seq.Increment*seq.Increment
	case seq.Increment < 0 && float64(first)+span < float64(seq.Min):
		end = first - (first-seq.Min)/(-seq.Increment)*(-seq.Increment)
	default:
		end = first + seq.Increment*(cache-1)
	}
	if err := catalog.WriteSequenceValue(ctx, tx, seq, end, true); err != nil {
		return seqBlock{}, err
	}
	return seqBlock{next: first, last: end}, nil
}

// stepSeq returns the value after last, wrapping when the sequence cycles.
func stepSeq(seq *catalog.Sequence, last int64) (int64, error) {
	next := last + seq.Increment
	overflow := seq.Increment > 0 && (next < last || next > seq.Max) || seq.Increment < 0 && (next > last || next < seq.Min)
	if !overflow {
		return next, nil
	}
	if seq.Cycle {
		if seq.Increment > 0 {
			return seq.Min, nil
		}
		return seq.Max, nil
	}
	bound := "maximum"
	v := seq.Max
	if seq.Increment < 0 {
		bound, v = "minimum", seq.Min
	}
	return 0, pgerror.New(codeSequenceGeneratorLimit, "nextval: reached %s value of sequence %q (%d)", bound, seq.Name, v)
}

// nextval hands out the sequence's next value.
func (ec *execCtx) nextval(arg string) (rowenc.Value, error) {
	seq, err := ec.lookupSeq(arg)
	if err != nil {
		return rowenc.Value{}, err
	}
	cache := ec.s.srv.seqCache()
	v, ok := cache.take(seq)
	if !ok {
		var b seqBlock
		inStmtTxn := ec.seqWrittenHere(seq.ID)
		if !inStmtTxn {
			fresh := seq
			err = ec.s.srv.runSeqTxn(ec.ctx, ec.tx, func(tx txn.Txn) error {
				// The sequence may have been created by another session's
				// transaction, not committed yet. Otherwise the reservation
				// follows the options as last committed, which an ALTER may
				// have changed since the statement's snapshot.
				cur, err := catalog.LookupSequence(ec.ctx, tx, seq.ParentID, seq.Name)
				if err != nil {
					return err
				}
				if cur == nil || cur.ID != seq.ID {
					return errSeqNotVisible
				}
				fresh = cur
				b, err = reserve(ec.ctx, tx, fresh)
				return err
			})
			inStmtTxn = errors.Is(err, errSeqNotVisible)
			if err == nil {
				seq = fresh
			}
		}
		if inStmtTxn {
			b, err = reserve(ec.ctx, ec.tx, seq)
			ec.noteSeqWrite(seq.ID)
		}
		if err != nil {
			return rowenc.Value{}, err
		}
		v = b.next
		b.next += seq.Increment
		if !inStmtTxn {
			// A block reserved by the statement's transaction may yet be
			// rolled back: it is used for this value only, never cached.
			cache.put(seq.ID, &b)
		}
	}
	st := ec.s.seqs()
	st.last[seq.Name] = v
	st.lastval = &v
	return rowenc.Int(v), nil
}

var errSeqNotVisible = errors.New("sequence not visible outside the creating transaction")

// seqDescKeyProbe is the key whose presence says the sequence's value key
// is valid in a fresh transaction: the value key itself may be absent
// (nothing reserved yet), so probe the descriptor.
func seqDescKeyProbe(seq *catalog.Sequence) []byte {
	return catalog.SequenceDescKey(seq.ParentID, seq.Name)
}

// runSeqTxn runs fn in a transaction of its own, committed at once and
// retried on conflicts. parent is the statement's transaction, which waits
// for this one: the lock table must know it to find deadlocks through that
// wait (txn.Options.Parent).
func (s *Server) runSeqTxn(ctx context.Context, parent txn.Txn, fn func(tx txn.Txn) error) error {
	if x, ok := s.cfg.DB.(interface{ Exclusive() bool }); ok && x.Exclusive() {
		// A test store with one transaction at a time: a second one would
		// wait forever on the statement's. Use the statement's instead.
		return errSeqNotVisible
	}
	opts := txn.Options{Parent: parent}
	for attempt := 0; ; attempt++ {
		tx, err := s.cfg.DB.Begin(ctx, opts)
		if err != nil {
			return err
		}
		err = func() error {
			defer rollbackOnPanic(ctx, tx)
			return fn(tx)
		}()
		if err == nil {
			err = tx.Commit(ctx)
		}
		if err == nil {
			return nil
		}
		_ = tx.Rollback(context.WithoutCancel(ctx))
		var re *txn.RetryableError
		if errors.As(err, &re) && attempt < s.cfg.MaxRetries && ctx.Err() == nil {
			opts.Priority = re.Priority
			continue
		}
		return err
	}
}

func (ec *execCtx) currval(arg string) (rowenc.Value, error) {
	seq, err := ec.lookupSeq(arg)
	if err != nil {
		return rowenc.Value{}, err
	}
	v, ok := ec.s.seqs().last[seq.Name]
	if !ok {
		return rowenc.Value{}, pgerror.New(codeObjectNotInPrerequisiteState, "currval of sequence %q is not yet defined in this session", seq.Name)
	}
	return rowenc.Int(v), nil
}

func (ec *execCtx) lastval() (rowenc.Value, error) {
	st := ec.s.seqs()
	if st.lastval == nil {
		return rowenc.Value{}, pgerror.New(codeObjectNotInPrerequisiteState, "lastval is not yet defined in this session")
	}
	return rowenc.Int(*st.lastval), nil
}

// setval sets the sequence's value (non-transactionally, as nextval).
func (ec *execCtx) setval(arg string, v int64, isCalled bool) (rowenc.Value, error) {
	seq, err := ec.lookupSeq(arg)
	if err != nil {
		return rowenc.Value{}, err
	}
	if v < seq.Min || v > seq.Max {
		return rowenc.Value{}, pgerror.New(pgerror.CodeNumericValueOutOfRange, "setval: value %d is out of bounds for sequence %q (%d..%d)", v, seq.Name, seq.Min, seq.Max)
	}
	write := func(tx txn.Txn) error {
		if _, _, _, err := catalog.ReadSequenceValue(ec.ctx, tx, seq, true); err != nil {
			return err
		}
		return catalog.WriteSequenceValue(ec.ctx, tx, seq, v, isCalled)
	}
	err = errSeqNotVisible
	if !ec.seqWrittenHere(seq.ID) {
		err = ec.s.srv.runSeqTxn(ec.ctx, ec.tx, func(tx txn.Txn) error {
			if _, found, err := tx.Get(ec.ctx, seqDescKeyProbe(seq)); err != nil || !found {
				if err == nil {
					err = errSeqNotVisible
				}
				return err
			}
			return write(tx)
		})
	}
	if errors.Is(err, errSeqNotVisible) {
		err = write(ec.tx)
		ec.noteSeqWrite(seq.ID)
	}
	if err != nil {
		return rowenc.Value{}, err
	}
	ec.s.srv.seqCache().forget(seq.ID)
	if isCalled {
		ec.s.seqs().last[seq.Name] = v
	}
	return rowenc.Int(v), nil
}

// seqFunc compiles nextval, currval, setval, lastval and
// pg_get_serial_sequence.
func (p *planner) seqFunc(name string, e *ast.FuncCallExpr, sc *scope) (expr, error) {
	args := make([]expr, len(e.Args))
	for i, a := range e.Args {
		hint := types.Text
		if name == "setval" && i == 1 {
			hint = types.Int8
		}
		if name == "setval" && i == 2 {
			hint = types.Bool
		}
		x, err := p.compile(a, hint, sc)
		if err != nil {
			return nil, err
		}
		args[i] = x
	}
	want := map[string][]int{"nextval": {1}, "currval": {1}, "lastval": {0}, "setval": {2, 3}, "pg_get_serial_sequence": {2}}[name]
	okN := false
	for _, n := range want {
		okN = okN || n == len(args)
	}
	if !okN {
		return nil, p.noFunc(name, e.Args, sc)
	}
	f := &funcExpr{t: types.Int8, args: args, strict: true}
	switch name {
	case "nextval":
		f.fn = func(ec *execCtx, v []rowenc.Value) (rowenc.Value, error) { return ec.nextval(v[0].S) }
	case "currval":
		f.fn = func(ec *execCtx, v []rowenc.Value) (rowenc.Value, error) { return ec.currval(v[0].S) }
	case "lastval":
		f.fn = func(ec *execCtx, _ []rowenc.Value) (rowenc.Value, error) { return ec.lastval() }
	case "setval":
		f.fn = func(ec *execCtx, v []rowenc.Value) (rowenc.Value, error) {
			called := true
			if len(v) == 3 {
				called = v[2].Bool()
			}
			return ec.setval(v[0].S, v[1].I, called)
		}
	case "pg_get_serial_sequence":
		f.t = types.Text
		f.fn = func(ec *execCtx, v []rowenc.Value) (rowenc.Value, error) {
			return ec.serialSequence(v[0].S, v[1].S)
		}
	}
	return f, nil
}

// serialSequence is pg_get_serial_sequence(table, column).
func (ec *execCtx) serialSequence(table, column string) (rowenc.Value, error) {
	tname, err := parseSeqName(table)
	if err != nil {
		return rowenc.Value{}, err
	}
	db, err := catalog.LookupDatabase(ec.ctx, ec.tx, ec.s.dbName)
	if err != nil || db == nil {
		return rowenc.Value{}, err
	}
	t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, tname)
	if err != nil {
		return rowenc.Value{}, err
	}
	if t == nil {
		return rowenc.Value{}, pgerror.New(pgerror.CodeUndefinedTable, "relation %q does not exist", tname)
	}
	col := t.ColumnIndex(column)
	if col < 0 {
		return rowenc.Value{}, pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", column, tname)
	}
	seqs, err := catalog.ListSequences(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return rowenc.Value{}, err
	}
	for _, s := range seqs {
		if ot, oc := s.Owner([]*catalog.Table{t}); ot != nil && oc == col {
			return rowenc.String("public." + quoteIdentIfNeeded(s.Name)), nil
		}
	}
	return rowenc.Null(), nil
}

// planCreateSequence would plan the TiDB grammar's CREATE SEQUENCE; the
// front parses CREATE SEQUENCE itself (front.SequenceStmt, planSequence),
// so this form never arrives.
func (p *planner) planCreateSequence(*ast.CreateSequenceStmt) (plan, error) {
	return nil, pgerror.Unsupported("CREATE SEQUENCE in this form")
}

// seqTypeBounds are the bounds of a sequence data type.
func seqTypeBounds(typ string) (lo, hi int64) {
	switch typ {
	case "smallint":
		return math.MinInt16, math.MaxInt16
	case "integer":
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func seqType(s *catalog.Sequence) string {
	if s.Type == "" {
		return "bigint"
	}
	return s.Type
}

// applySeqOptions applies a statement's options to seq as PostgreSQL's
// init_params does: CREATE (create) fills the defaults of what was not
// given; ALTER keeps it, but NO MINVALUE/MAXVALUE and a change of type
// reset a bound that was the old type's limit. It returns the value
// RESTART asks for (restart false without RESTART).
func applySeqOptions(seq *catalog.Sequence, o *front.SeqOptions, create bool) (restartAt int64, restart bool, err error) {
	bad := func(format string, args ...any) (int64, bool, error) {
		return 0, false, pgerror.New(pgerror.CodeInvalidParameterValue, format, args...)
	}
	oldType := seqType(seq)
	oldLo, oldHi := seqTypeBounds(oldType)
	if o.Type != "" {
		seq.Type = o.Type
	} else if create {
		seq.Type = "bigint"
	}
	lo, hi := seqTypeBounds(seqType(seq))
	typeChanged := !create && seqType(seq) != oldType
	if o.Increment != nil {
		if *o.Increment == 0 {
			return bad("INCREMENT must not be zero")
		}
		seq.Increment = *o.Increment
	} else if create {
		seq.Increment = 1
	}
	if o.Cycle != nil {
		seq.Cycle = *o.Cycle
	}
	switch {
	case o.Max != nil:
		seq.Max = *o.Max
	case create || o.MaxSet || typeChanged && (seq.Increment > 0 && seq.Max == oldHi || seq.Increment < 0 && seq.Max == -1):
		seq.Max = hi
		if seq.Increment < 0 {
			seq.Max = -1
		}
	}
	if seq.Max < lo || seq.Max > hi {
		return bad("MAXVALUE (%d) is out of range for sequence data type %s", seq.Max, seqType(seq))
	}
	switch {
	case o.Min != nil:
		seq.Min = *o.Min
	case create || o.MinSet || typeChanged && (seq.Increment > 0 && seq.Min == 1 || seq.Increment < 0 && seq.Min == oldLo):
		seq.Min = 1
		if seq.Increment < 0 {
			seq.Min = lo
		}
	}
	if seq.Min < lo || seq.Min > hi {
		return bad("MINVALUE (%d) is out of range for sequence data type %s", seq.Min, seqType(seq))
	}
	if seq.Min >= seq.Max {
		return bad("MINVALUE (%d) must be less than MAXVALUE (%d)", seq.Min, seq.Max)
	}
	switch {
	case o.Start != nil:
		seq.Start = *o.Start
	case create:
		seq.Start = seq.Min
		if seq.Increment < 0 {
			seq.Start = seq.Max
		}
	}
	if seq.Start < seq.Min {
		return bad("START value (%d) cannot be less than MINVALUE (%d)", seq.Start, seq.Min)
	}
	if seq.Start > seq.Max {
		return bad("START value (%d) cannot be greater than MAXVALUE (%d)", seq.Start, seq.Max)
	}
	if o.RestartSet {
		restartAt, restart = seq.Start, true
		if o.Restart != nil {
			restartAt = *o.Restart
		}
		if err := checkRestart(seq, restartAt); err != nil {
			return 0, false, err
		}
	}
	if o.Cache != nil {
		seq.Cache = *o.Cache
	} else if create {
		seq.Cache = 1
	}
	if seq.Cache < 1 {
		return bad("CACHE (%d) must be greater than zero", seq.Cache)
	}
	return restartAt, restart, nil
}

// checkRestart checks a sequence's next or current value against its
// bounds, with PostgreSQL's wording (which says RESTART for both).
func checkRestart(seq *catalog.Sequence, v int64) error {
	if v < seq.Min {
		return pgerror.New(pgerror.CodeInvalidParameterValue, "RESTART value (%d) cannot be less than MINVALUE (%d)", v, seq.Min)
	}
	if v > seq.Max {
		return pgerror.New(pgerror.CodeInvalidParameterValue, "RESTART value (%d) cannot be greater than MAXVALUE (%d)", v, seq.Max)
	}
	return nil
}

// resolveOwner applies OWNED BY: the column must exist (in public).
func resolveOwner(ec *execCtx, db *catalog.Database, seq *catalog.Sequence, o *front.SeqOptions) error {
	switch {
	case o.OwnedByNone:
		seq.SetOwner(nil, -1)
	case o.OwnedBy != nil:
		t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, o.OwnedBy[0])
		if err != nil {
			return err
		}
		if t == nil {
			return pgerror.New(pgerror.CodeUndefinedTable, "relation %q does not exist", o.OwnedBy[0])
		}
		col := t.ColumnIndex(o.OwnedBy[1])
		if col < 0 || t.Columns[col].Hidden {
			return pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", o.OwnedBy[1], t.Name)
		}
		seq.SetOwner(t, col)
	}
	return nil
}

// planSequence plans CREATE SEQUENCE and ALTER SEQUENCE.
func (p *planner) planSequence(n *front.SequenceStmt) (plan, error) {
	if !n.Alter {
		seq := &catalog.Sequence{Name: n.Name}
		restartAt, restart, err := applySeqOptions(seq, &n.Options, true)
		if err != nil {
			return nil, err
		}
		return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
			db, err := p.database()
			if err != nil {
				return err
			}
			old, err := catalog.LookupSequence(ec.ctx, ec.tx, db.ID, seq.Name)
			if err != nil {
				return err
			}
			exists := old != nil
			if !exists {
				// Sequences and tables share PostgreSQL's one namespace of relations.
				t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, seq.Name)
				if err != nil {
					return err
				}
				exists = t != nil
			}
			if exists {
				if n.IfNotExists {
					if err := ec.notice(w, pgerror.CodeDuplicateTable, "relation \""+seq.Name+"\" already exists, skipping"); err != nil {
						return err
					}
					return w.Complete("CREATE SEQUENCE")
				}
				return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", seq.Name)
			}
			s := *seq
			s.ParentID = db.ID
			if err := resolveOwner(ec, db, &s, &n.Options); err != nil {
				return err
			}
			if err := catalog.CreateSequence(ec.ctx, ec.tx, &s); err != nil {
				return err
			}
			ec.noteSeqWrite(s.ID)
			if restart {
				if err := catalog.WriteSequenceValue(ec.ctx, ec.tx, &s, restartAt, false); err != nil {
					return err
				}
			}
			return w.Complete("CREATE SEQUENCE")
		}}, nil
	}
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		db, err := p.database()
		if err != nil {
			return err
		}
		seq, err := catalog.LookupSequence(ec.ctx, ec.tx, db.ID, n.Name)
		if err != nil {
			return err
		}
		if seq == nil {
			if n.IfExists {
				if err := ec.notice(w, pgerror.CodeSuccessfulCompletion, "relation \""+n.Name+"\" does not exist, skipping"); err != nil {
					return err
				}
				return w.Complete("ALTER SEQUENCE")
			}
			return pgerror.New(pgerror.CodeUndefinedTable, "relation %q does not exist", n.Name)
		}
		if n.RenameTo != "" {
			if err := renameSequence(ec, db, seq, n.RenameTo); err != nil {
				return err
			}
			return w.Complete("ALTER SEQUENCE")
		}
		restartAt, restart, err := applySeqOptions(seq, &n.Options, false)
		if err != nil {
			return err
		}
		if !restart {
			// The current value must stay within the new bounds. (With
			// CACHE > 1 the stored value is the end of the last reserved
			// block, which may be beyond the last value handed out.)
			last, _, found, err := catalog.ReadSequenceValue(ec.ctx, ec.tx, seq, true)
			if err != nil {
				return err
			}
			if found {
				if err := checkRestart(seq, last); err != nil {
					return err
				}
			}
		}
		if err := resolveOwner(ec, db, seq, &n.Options); err != nil {
			return err
		}
		if err := catalog.UpdateSequence(ec.ctx, ec.tx, seq); err != nil {
			return err
		}
		ec.noteSeqWrite(seq.ID)
		if restart {
			if err := catalog.WriteSequenceValue(ec.ctx, ec.tx, seq, restartAt, false); err != nil {
				return err
			}
		}
		// This node's reserved block was counted with the old options.
		ec.s.srv.seqCache().forget(seq.ID)
		return w.Complete("ALTER SEQUENCE")
	}}, nil
}

// renameSequence is ALTER SEQUENCE ... RENAME TO. Column defaults name
// their sequence by its name (PostgreSQL's by its OID), so those calling
// this one are rewritten to the new name.
func renameSequence(ec *execCtx, db *catalog.Database, seq *catalog.Sequence, name string) error {
	old := seq.Name
	if other, err := catalog.LookupSequence(ec.ctx, ec.tx, db.ID, name); err != nil {
		return err
	} else if other != nil {
		return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", name)
	}
	if t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, name); err != nil {
		return err
	} else if t != nil {
		return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", name)
	}
	if err := catalog.RenameSequence(ec.ctx, ec.tx, seq, name); err != nil {
		return err
	}
	ec.noteSeqWrite(seq.ID)
	tables, err := catalog.ListTables(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return err
	}
	for _, t := range tables {
		changed := false
		for i := range t.Columns {
			if d := renameSeqRefs(t.Columns[i].Default, old, name); d != t.Columns[i].Default {
				t.Columns[i].Default, changed = d, true
			}
		}
		if changed {
			if err := catalog.UpdateTable(ec.ctx, ec.tx, t); err != nil {
				return err
			}
		}
	}
	// currval follows the sequence in this session, as it does by OID in
	// PostgreSQL.
	st := ec.s.seqs()
	if v, ok := st.last[old]; ok {
		delete(st.last, old)
		st.last[name] = v
	}
	return nil
}

// renameSeqRefs rewrites the sequence-name literals of the sequence calls
// in a stored DEFAULT expression that name old.
func renameSeqRefs(def, old, name string) string {
	lit := "'" + strings.ReplaceAll(quoteIdentIfNeeded(name), "'", "''") + "'"
	for _, re := range []*regexp.Regexp{seqCallText, regclassCallText} {
		def = re.ReplaceAllStringFunc(def, func(call string) string {
			m := re.FindStringSubmatchIndex(call)
			// The literal's submatch: the second group of seqCallText, the
			// first of regclassCallText.
			g := 2
			if re == regclassCallText {
				g = 1
			}
			start, end := m[2*g], m[2*g+1]
			if n, err := parseSeqName(strings.ReplaceAll(call[start:end], "''", "'")); err != nil || n != old {
				return call
			}
			return call[:start-1] + lit + call[end+1:]
		})
	}
	return def
}

// restartOwnedSequences is TRUNCATE's RESTART IDENTITY: the sequences
// owned by the named tables' columns start over, in the statement's
// transaction (undone if it rolls back).
func restartOwnedSequences(ec *execCtx, p *planner, tables []string) error {
	db, err := p.database()
	if err != nil {
		return err
	}
	var owners []*catalog.Table
	for _, name := range tables {
		t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, name)
		if err != nil {
			return err
		}
		if t != nil {
			owners = append(owners, t)
		}
	}
	seqs, err := catalog.ListSequences(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return err
	}
	for _, s := range seqs {
		if t, _ := s.Owner(owners); t == nil {
			continue
		}
		if err := catalog.WriteSequenceValue(ec.ctx, ec.tx, s, s.Start, false); err != nil {
			return err
		}
		ec.noteSeqWrite(s.ID)
		ec.s.srv.seqCache().forget(s.ID)
	}
	return nil
}

// planIdentity plans ALTER TABLE ... ALTER COLUMN ... ADD GENERATED BY
// DEFAULT AS IDENTITY (a sequence owned by the column, which becomes its
// default) and ... DROP IDENTITY (the sequence and the default go).
// identityKind is pg_attribute.attidentity of an identity column: "a" for
// GENERATED ALWAYS, "d" for GENERATED BY DEFAULT.
func identityKind(always bool) string {
	if always {
		return "a"
	}
	return "d"
}

// identityAlways returns the error for an explicit value given to a
// GENERATED ALWAYS identity column (what, "insert" or "update").
func identityAlways(c *catalog.Column, update bool) error {
	if update {
		return pgerror.New(codeGeneratedAlways, "column %q can only be updated to DEFAULT", c.Name).
			WithDetail("Column %q is an identity column defined as GENERATED ALWAYS.", c.Name)
	}
	return pgerror.New(codeGeneratedAlways, "cannot insert a non-DEFAULT value into column %q", c.Name).
		WithDetail("Column %q is an identity column defined as GENERATED ALWAYS.", c.Name).
		WithHint("Use OVERRIDING SYSTEM VALUE to override.")
}

// codeGeneratedAlways is 428C9.
const codeGeneratedAlways = "428C9"

func (p *planner) planIdentity(n *front.IdentityStmt) plan {
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		db, err := p.database()
		if err != nil {
			return err
		}
		t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, n.Table)
		if err != nil {
			return err
		}
		if t == nil {
			return pgerror.New(pgerror.CodeUndefinedTable, "relation %q does not exist", n.Table)
		}
		col := t.ColumnIndex(n.Column)
		if col < 0 || t.Columns[col].Hidden {
			return pgerror.New(pgerror.CodeUndefinedColumn, "column %q of relation %q does not exist", n.Column, n.Table)
		}
		c := &t.Columns[col]
		if n.Drop {
			if c.Identity == "" {
				if n.IfExists {
					if err := ec.notice(w, pgerror.CodeSuccessfulCompletion, fmt.Sprintf("column \"%s\" of relation \"%s\" is not an identity column, skipping", c.Name, t.Name)); err != nil {
						return err
					}
					return w.Complete("ALTER TABLE")
				}
				return pgerror.New(codeObjectNotInPrerequisiteState, "column %q of relation %q is not an identity column", c.Name, t.Name)
			}
			seqs, err := catalog.ListSequences(ec.ctx, ec.tx, db.ID)
			if err != nil {
				return err
			}
			for _, s := range seqs {
				if ot, oc := s.Owner([]*catalog.Table{t}); ot != nil && oc == col {
					if err := catalog.DropSequence(ec.ctx, ec.tx, s); err != nil {
						return err
					}
					ec.s.srv.seqCache().forget(s.ID)
				}
			}
			c.Identity, c.Default = "", ""
			if err := catalog.UpdateTable(ec.ctx, ec.tx, t); err != nil {
				return err
			}
			return w.Complete("ALTER TABLE")
		}
		var maxVal int64
		switch c.Type.OID {
		case types.OIDInt2:
			maxVal = math.MaxInt16
		case types.OIDInt4:
			maxVal = math.MaxInt32
		case types.OIDInt8:
			maxVal = math.MaxInt64
		default:
			return pgerror.New(pgerror.CodeInvalidParameterValue, "identity column type must be smallint, integer, or bigint")
		}
		switch {
		case !c.NotNull:
			return pgerror.New(codeObjectNotInPrerequisiteState, "column %q of relation %q must be declared NOT NULL before identity can be added", c.Name, t.Name)
		case c.Identity != "":
			return pgerror.New(codeObjectNotInPrerequisiteState, "column %q of relation %q is already an identity column", c.Name, t.Name)
		case c.Default != "":
			return pgerror.New(codeObjectNotInPrerequisiteState, "column %q of relation %q already has a default value", c.Name, t.Name)
		}
		name := n.Options.SequenceName
		if name == "" {
			name = t.Name + "_" + c.Name + "_seq"
		}
		if old, err := catalog.LookupSequence(ec.ctx, ec.tx, db.ID, name); err != nil {
			return err
		} else if other, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, name); err != nil {
			return err
		} else if old != nil || other != nil {
			return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", name)
		}
		opts := n.Options
		opts.Type = seqTypeFor(maxVal)
		seq := &catalog.Sequence{ParentID: db.ID, Name: name}
		if _, _, err := applySeqOptions(seq, &opts, true); err != nil {
			return err
		}
		seq.SetOwner(t, col)
		if err := catalog.CreateSequence(ec.ctx, ec.tx, seq); err != nil {
			return err
		}
		ec.noteSeqWrite(seq.ID)
		c.Identity = identityKind(n.Always)
		c.Default = front.SeqFuncPrefix + "nextval('" + strings.ReplaceAll(quoteIdentIfNeeded(name), "'", "''") + "')"
		if err := catalog.UpdateTable(ec.ctx, ec.tx, t); err != nil {
			return err
		}
		return w.Complete("ALTER TABLE")
	}}
}

// seqTypeFor is the data type of a SERIAL column's sequence: the column's
// integer type, by its maximum.
func seqTypeFor(max int64) string {
	switch max {
	case math.MaxInt16:
		return "smallint"
	case math.MaxInt32:
		return "integer"
	}
	return "bigint"
}

// planDropSequence plans DROP SEQUENCE.
func (p *planner) planDropSequence(n *ast.DropSequenceStmt) (plan, error) {
	// The front parses DROP SEQUENCE itself (front.DropSequenceStmt); this
	// is the TiDB grammar's form, kept for ParseTranslated callers.
	var names []string
	for _, tn := range n.Sequences {
		if err := checkSchema(tn); err != nil {
			return nil, err
		}
		names = append(names, tn.Name.O)
	}
	return p.planDropSeqs(names, n.IfExists, false), nil
}

// planDropSeqs plans DROP SEQUENCE; cascade drops the column defaults that
// call the sequences.
func (p *planner) planDropSeqs(names []string, ifExists, cascade bool) plan {
	return &ddlPlan{run: func(ec *execCtx, w ResultWriter) error {
		db, err := p.database()
		if err != nil {
			return err
		}
		for _, name := range names {
			seq, err := catalog.LookupSequence(ec.ctx, ec.tx, db.ID, name)
			if err != nil {
				return err
			}
			if seq == nil {
				if ifExists {
					if err := ec.notice(w, pgerror.CodeSuccessfulCompletion, "sequence \""+name+"\" does not exist, skipping"); err != nil {
						return err
					}
					continue
				}
				return pgerror.New(pgerror.CodeUndefinedTable, "sequence %q does not exist", name)
			}
			deps, err := seqDependents(ec, db, seq)
			if err != nil {
				return err
			}
			if len(deps) > 0 && !cascade {
				return dependentsError(seq, deps)
			}
			if len(deps) > 0 {
				msg := "drop cascades to " + deps[0].what()
				if len(deps) > 1 {
					msg = fmt.Sprintf("drop cascades to %d other objects", len(deps))
				}
				if err := ec.notice(w, pgerror.CodeSuccessfulCompletion, msg); err != nil {
					return err
				}
				if err := dropDefaults(ec, deps); err != nil {
					return err
				}
			}
			if err := catalog.DropSequence(ec.ctx, ec.tx, seq); err != nil {
				return err
			}
			ec.s.srv.seqCache().forget(seq.ID)
		}
		return w.Complete("DROP SEQUENCE")
	}}
}

const codeDependentObjectsStillExist = "2BP01"

// seqDep is a column default that calls a sequence.
type seqDep struct {
	t   *catalog.Table
	col int
}

func (d seqDep) what() string {
	return fmt.Sprintf("default value for column %s of table %s", quoteIdentIfNeeded(d.t.Columns[d.col].Name), quoteIdentIfNeeded(d.t.Name))
}

// seqDependents returns the column defaults that call seq: what keeps
// PostgreSQL from dropping it without CASCADE (ownership alone, OWNED BY,
// does not). An identity column's sequence is part of the column, so even
// CASCADE does not drop it.
func seqDependents(ec *execCtx, db *catalog.Database, seq *catalog.Sequence) ([]seqDep, error) {
	tables, err := catalog.ListTables(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return nil, err
	}
	q := quoteIdentIfNeeded
	if t, col := seq.Owner(tables); t != nil && t.Columns[col].Identity != "" {
		c := t.Columns[col]
		return nil, pgerror.New(codeDependentObjectsStillExist, "cannot drop sequence %s because column %s of table %s requires it", q(seq.Name), q(c.Name), q(t.Name)).
			WithHint("You can drop column %s of table %s instead.", q(c.Name), q(t.Name))
	}
	var deps []seqDep
	for _, t := range tables {
		for k, c := range t.Columns {
			for _, name := range seqRefs(c.Default) {
				if name == seq.Name {
					deps = append(deps, seqDep{t: t, col: k})
					break
				}
			}
		}
	}
	return deps, nil
}

func dependentsError(seq *catalog.Sequence, deps []seqDep) error {
	lines := make([]string, len(deps))
	for i, d := range deps {
		lines[i] = d.what() + " depends on sequence " + quoteIdentIfNeeded(seq.Name)
	}
	return pgerror.New(codeDependentObjectsStillExist, "cannot drop sequence %s because other objects depend on it", quoteIdentIfNeeded(seq.Name)).
		WithDetail("%s", strings.Join(lines, "\n")).
		WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
}

// dropDefaults removes the defaults deps name (DROP SEQUENCE ... CASCADE).
func dropDefaults(ec *execCtx, deps []seqDep) error {
	for _, d := range deps {
		d.t.Columns[d.col].Default = ""
	}
	done := map[*catalog.Table]bool{}
	for _, d := range deps {
		if done[d.t] {
			continue
		}
		done[d.t] = true
		if err := catalog.UpdateTable(ec.ctx, ec.tx, d.t); err != nil {
			return err
		}
	}
	return nil
}

// serialPlan creates the sequences of a CREATE TABLE's SERIAL columns
// before the table itself.
type serialPlan struct {
	p       *planner
	n       *ast.CreateTableStmt
	serials []front.Serial
	inner   plan
}

func (sp *serialPlan) columns() []Column { return nil }

func (sp *serialPlan) exec(ec *execCtx, w ResultWriter) error {
	for _, msg := range sp.p.st.Notices {
		if err := ec.notice(w, pgerror.CodeSuccessfulCompletion, msg); err != nil {
			return err
		}
	}
	db, err := sp.p.database()
	if err != nil {
		return err
	}
	if sp.n.IfNotExists {
		t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, sp.n.Table.Name.O)
		if err != nil {
			return err
		}
		if t != nil {
			return sp.inner.exec(ec, w)
		}
	}
	var seqs []*catalog.Sequence
	for _, s := range sp.serials {
		old, err := catalog.LookupSequence(ec.ctx, ec.tx, db.ID, s.Sequence)
		if err != nil {
			return err
		}
		if old != nil {
			return pgerror.New(pgerror.CodeDuplicateTable, "relation %q already exists", s.Sequence)
		}
		opts := front.SeqOptions{}
		if s.Options != nil {
			opts = *s.Options
		}
		// An identity's or SERIAL's sequence has the column's type.
		opts.Type = seqTypeFor(s.Max)
		seq := &catalog.Sequence{ParentID: db.ID, Name: s.Sequence}
		if _, _, err := applySeqOptions(seq, &opts, true); err != nil {
			return err
		}
		if err := catalog.CreateSequence(ec.ctx, ec.tx, seq); err != nil {
			return err
		}
		ec.noteSeqWrite(seq.ID)
		seqs = append(seqs, seq)
	}
	// The sequences exist before the table, whose defaults name them; the
	// table's ID, which ownership records, exists only after it. Hold the
	// table's command tag back until the sequences are linked.
	dw := &deferComplete{ResultWriter: w}
	if err := sp.inner.exec(ec, dw); err != nil {
		return err
	}
	t, err := catalog.LookupTable(ec.ctx, ec.tx, db.ID, sp.n.Table.Name.O)
	if err != nil {
		return err
	}
	if t == nil {
		return pgerror.New(pgerror.CodeInternalError, "table %q missing after CREATE TABLE", sp.n.Table.Name.O)
	}
	identity := false
	for k, seq := range seqs {
		col := t.ColumnIndex(sp.serials[k].Column)
		if col < 0 {
			return pgerror.New(pgerror.CodeInternalError, "SERIAL column %q missing after CREATE TABLE", sp.serials[k].Column)
		}
		seq.SetOwner(t, col)
		if err := catalog.UpdateSequence(ec.ctx, ec.tx, seq); err != nil {
			return err
		}
		if sp.serials[k].Identity {
			t.Columns[col].Identity, identity = identityKind(sp.serials[k].Always), true
		}
	}
	if identity {
		if err := catalog.UpdateTable(ec.ctx, ec.tx, t); err != nil {
			return err
		}
	}
	return dw.flush()
}

// deferComplete holds a statement's command tag back until flush, so
// work after the inner plan can still fail the statement cleanly.
type deferComplete struct {
	ResultWriter
	tag *string
}

func (d *deferComplete) Complete(tag string) error {
	d.tag = &tag
	return nil
}

func (d *deferComplete) flush() error {
	if d.tag == nil {
		return nil
	}
	return d.ResultWriter.Complete(*d.tag)
}

// withSerials wraps CREATE TABLE's plan when the table has SERIAL columns.
func (p *planner) withSerials(n *ast.CreateTableStmt, pl plan, err error) (plan, error) {
	if err != nil || len(p.st.Serials) == 0 && len(p.st.Notices) == 0 {
		return pl, err
	}
	return &serialPlan{p: p, n: n, serials: p.st.Serials, inner: pl}, nil
}

// dropOwnedPlan drops the sequences owned by the tables a DROP TABLE
// dropped (run after it, in the same transaction), as PostgreSQL drops a
// SERIAL's or an OWNED BY sequence with its table.
type dropOwnedPlan struct {
	p     *planner
	n     *ast.DropTableStmt
	inner plan
}

func (dp *dropOwnedPlan) columns() []Column { return nil }

func (dp *dropOwnedPlan) exec(ec *execCtx, w ResultWriter) error {
	db, err := dp.p.database()
	if err != nil {
		return err
	}
	before, err := catalog.ListTables(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return err
	}
	dw := &deferComplete{ResultWriter: w}
	if err := dp.inner.exec(ec, dw); err != nil {
		return err
	}
	after, err := catalog.ListTables(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return err
	}
	seqs, err := catalog.ListSequences(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return err
	}
	for _, s := range seqs {
		// Owned before the DROP, and not after: the owner went with it.
		if t, _ := s.Owner(before); t == nil {
			continue
		}
		if t, _ := s.Owner(after); t != nil {
			continue
		}
		if err := catalog.DropSequence(ec.ctx, ec.tx, s); err != nil {
			return err
		}
		ec.s.srv.seqCache().forget(s.ID)
	}
	return dw.flush()
}

func (p *planner) withOwnedDrop(n *ast.DropTableStmt, pl plan, err error) (plan, error) {
	if err != nil {
		return nil, err
	}
	return &dropOwnedPlan{p: p, n: n, inner: pl}, nil
}

// writesSequence reports whether a statement calls nextval or setval, which
// write (in the statement's transaction when the sequence is not visible
// outside it), so it must not run in a read-only transaction.
func writesSequence(st *front.Parsed) bool {
	return strings.Contains(st.Translated, front.SeqFuncPrefix+"nextval") || strings.Contains(st.Translated, front.SeqFuncPrefix+"setval")
}
