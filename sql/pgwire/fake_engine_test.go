package pgwire

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/meridiandb/meridian/sql"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
)

// fakeEngine stands in for the SQL engine: it knows a handful of commands,
// enough to drive every path of the protocol.
//
//	gen N                 N rows (i int8, s text), tag SELECT N
//	types                 one row with a value of every type (and a NULL)
//	echo $1[::type] ...   one row echoing the parameters (unknown -> text)
//	error                 42601 with detail, hint and position
//	block                 waits for its ctx to end (a cancel), then fails
//	panic                 panics
//	begin/commit/rollback transaction status changes
//	fail                  22012; in a transaction block it fails the block
//	insert                INSERT 0 1
//	notice                a NOTICE, then DO
//	set a b               reports ParameterStatus a=b, tag SET
type fakeEngine struct {
	// blocked, when set, receives the statement's context when a "block"
	// statement starts.
	blocked chan context.Context
}

var _ sql.Engine = (*fakeEngine)(nil)

func (e *fakeEngine) NewSession(ctx context.Context, args sql.SessionArgs) (sql.Session, error) {
	if args.Database == "nope" {
		return nil, pgerror.New(pgerror.CodeInvalidCatalogName, "database %q does not exist", args.Database)
	}
	return &fakeSession{e: e, status: sql.TxnIdle, args: args}, nil
}

type fakeSession struct {
	e      *fakeEngine
	args   sql.SessionArgs
	status sql.TxnStatus
}

type fakePrepared struct {
	sql    string
	cmd    string
	params []types.T
	cols   []sql.Column
}

func (p *fakePrepared) ParamTypes() []types.T   { return p.params }
func (p *fakePrepared) Columns() []sql.Column   { return p.cols }
func (p *fakePrepared) SQL() string             { return p.sql }
func (s *fakeSession) TxnStatus() sql.TxnStatus { return s.status }
func (s *fakeSession) Close(context.Context) error {
	return nil
}

func (s *fakeSession) Parameters() map[string]string {
	return map[string]string{"application_name": s.args.Params["application_name"]}
}

var paramRE = regexp.MustCompile(`\$(\d+)(?:::(\w+))?`)

var typeNames = map[string]types.T{
	"int2": types.Int2, "int4": types.Int4, "int8": types.Int8, "float4": types.Float4,
	"float8": types.Float8, "bool": types.Bool, "bytea": types.Bytea, "text": types.Text,
	"varchar": types.Varchar(10), "timestamp": types.Timestamp,
}

var allTypesCols = []sql.Column{
	{Name: "i2", Type: types.Int2, TableOID: 100, ColumnNum: 1},
	{Name: "i4", Type: types.Int4, TableOID: 100, ColumnNum: 2},
	{Name: "i8", Type: types.Int8},
	{Name: "f4", Type: types.Float4},
	{Name: "f8", Type: types.Float8},
	{Name: "b", Type: types.Bool},
	{Name: "by", Type: types.Bytea},
	{Name: "t", Type: types.Text},
	{Name: "vc", Type: types.Varchar(10)},
	{Name: "c", Type: types.Char(3)},
	{Name: "ts", Type: types.Timestamp},
	{Name: "n", Type: types.Int8},
}

var allTypesRow = []rowenc.Value{
	rowenc.Int(-2), rowenc.Int(40000), rowenc.Int(1 << 40), rowenc.Float(1.5), rowenc.Float(-2.25),
	rowenc.Bool(true), rowenc.Bytes([]byte{0, 1, 0xff}), rowenc.String("héllo"), rowenc.String("vc"),
	rowenc.String("ab "), rowenc.Timestamp(946684800_000_000 + 1_500_000), rowenc.Null(),
}

func genCols() []sql.Column {
	return []sql.Column{{Name: "i", Type: types.Int8}, {Name: "s", Type: types.Text}}
}

func (s *fakeSession) Prepare(ctx context.Context, query string, ptypes []types.T) (sql.Prepared, error) {
	q := strings.TrimSpace(query)
	cmd, _, _ := strings.Cut(q, " ")
	p := &fakePrepared{sql: query, cmd: strings.ToLower(cmd)}
	switch p.cmd {
	case "gen":
		p.cols = genCols()
	case "types":
		p.cols = allTypesCols
	case "echo":
		ms := paramRE.FindAllStringSubmatch(q, -1)
		p.params = make([]types.T, len(ms))
		copy(p.params, ptypes)
		for i, m := range ms {
			if n, _ := strconv.Atoi(m[1]); n != i+1 {
				return nil, pgerror.New(pgerror.CodeSyntaxError, "parameters out of order")
			}
			if m[2] != "" {
				p.params[i] = typeNames[m[2]]
			}
			if p.params[i].OID == 0 || p.params[i] == types.Unknown {
				p.params[i] = types.Text
			}
			p.cols = append(p.cols, sql.Column{Name: "p" + m[1], Type: p.params[i]})
		}
		if p.cols == nil {
			p.cols = []sql.Column{}
		}
	case "error":
		return nil, &pgerror.Error{Code: pgerror.CodeSyntaxError, Message: "syntax error at or near \"error\"",
			Detail: "a detail", Hint: "a hint", Position: 1}
	case "", "block", "panic", "begin", "commit", "rollback", "fail", "insert", "notice", "set":
	default:
		return nil, pgerror.New(pgerror.CodeSyntaxError, "unknown fake command %q", cmd)
	}
	return p, nil
}

func (s *fakeSession) ExecSimple(ctx context.Context, query string, w sql.ResultWriter) error {
	if strings.TrimSpace(query) == "" {
		return w.EmptyQuery()
	}
	for _, stmt := range strings.Split(query, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		p, err := s.Prepare(ctx, stmt, nil)
		if err != nil {
			return err
		}
		if err := s.exec(ctx, p.(*fakePrepared), nil, w, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeSession) ExecPrepared(ctx context.Context, p sql.Prepared, params []rowenc.Value, w sql.ResultWriter) error {
	return s.exec(ctx, p.(*fakePrepared), params, w, false)
}

func (s *fakeSession) exec(ctx context.Context, p *fakePrepared, params []rowenc.Value, w sql.ResultWriter, simple bool) error {
	if s.status == sql.TxnFailed && p.cmd != "rollback" && p.cmd != "commit" {
		return pgerror.New(pgerror.CodeInFailedSQLTransaction, "current transaction is aborted")
	}
	if p.cols != nil {
		if err := w.Columns(p.cols); err != nil {
			return err
		}
	}
	switch p.cmd {
	case "":
		return w.EmptyQuery()
	case "gen":
		n, _ := strconv.Atoi(strings.Fields(p.sql)[1])
		for i := range n {
			if err := w.Row([]rowenc.Value{rowenc.Int(int64(i)), rowenc.String("row " + strconv.Itoa(i))}); err != nil {
				return err
			}
		}
		return w.Complete("SELECT " + strconv.Itoa(n))
	case "types":
		if err := w.Row(allTypesRow); err != nil {
			return err
		}
		return w.Complete("SELECT 1")
	case "echo":
		if simple {
			return pgerror.New(pgerror.CodeUndefinedParameter, "there is no parameter $1")
		}
		if err := w.Row(params); err != nil {
			return err
		}
		return w.Complete("SELECT 1")
	case "block":
		if s.e.blocked != nil {
			s.e.blocked <- ctx
		}
		<-ctx.Done()
		return ctx.Err()
	case "panic":
		panic("fake engine panics on purpose")
	case "begin":
		s.status = sql.TxnActive
		return w.Complete("BEGIN")
	case "commit":
		if s.status == sql.TxnFailed {
			s.status = sql.TxnIdle
			return w.Complete("ROLLBACK")
		}
		s.status = sql.TxnIdle
		return w.Complete("COMMIT")
	case "rollback":
		s.status = sql.TxnIdle
		return w.Complete("ROLLBACK")
	case "fail":
		if s.status == sql.TxnActive {
			s.status = sql.TxnFailed
		}
		return pgerror.New(pgerror.CodeDivisionByZero, "division by zero")
	case "insert":
		return w.Complete("INSERT 0 1")
	case "notice":
		if err := w.Notice("NOTICE", "00000", "hello from the engine"); err != nil {
			return err
		}
		return w.Complete("DO")
	case "set":
		f := strings.Fields(p.sql)
		if err := w.ParameterStatus(f[1], f[2]); err != nil {
			return err
		}
		return w.Complete("SET")
	}
	return pgerror.New(pgerror.CodeInternalError, "fake: %q", p.cmd)
}
