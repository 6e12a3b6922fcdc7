package sql

// The engine in outline (the package documentation is in api.go):
//
//	ExecSimple/Prepare ─▶ front.Parser (PostgreSQL → TiDB dialect, parse)
//	                   ─▶ planner (names, types, parameter inference, key spans)
//	                   ─▶ plan.exec over a txn.Txn ─▶ ResultWriter
//
// Construction. NewServer(ctx, Config{DB, Logger, ServerVersion,
// MaxRetries}) validates the config and bootstraps the catalog (system
// keys, databases defaultdb and postgres) unless it is already there; see
// package catalog for the key layout.
//
// Statements. CREATE TABLE [IF NOT EXISTS] (PRIMARY KEY inline or as a
// table constraint, composite allowed; NOT NULL, NULL, DEFAULT expr, CHECK
// (column or table, named or not; 23514); a hidden rowid key without a
// primary key), DROP TABLE [IF EXISTS],
// TRUNCATE, ALTER TABLE (ADD COLUMN with backfill, DROP COLUMN, RENAME
// COLUMN, RENAME TO, ALTER COLUMN SET/DROP DEFAULT),
// CREATE/DROP DATABASE [IF [NOT] EXISTS], INSERT (VALUES with DEFAULT, or
// SELECT; ON CONFLICT on the primary key DO NOTHING or DO UPDATE SET ...
// [WHERE ...] with excluded.col), UPDATE, DELETE, all three with RETURNING, SELECT (WHERE, GROUP
// BY columns or expressions (matched by SQL text in the select list, HAVING
// and ORDER BY; groupby.go), HAVING, count/sum/avg/min/max [DISTINCT],
// DISTINCT, ORDER BY with NULLS FIRST/LAST, LIMIT/OFFSET, FOR UPDATE/SHARE;
// FROM tables, subqueries (derived.go) and WITH items (non-recursive,
// with.go) joined by [INNER|CROSS|LEFT|RIGHT] JOIN ... ON, USING (...) or
// NATURAL (using.go), or commas (FULL JOIN is refused): hash joins
// on ON-clause column equalities (hashjoin.go), lookup joins, else nested
// loops; subqueries: scalar, IN, EXISTS, correlated ones run again per
// outer row (subquery.go); window functions with the default frame
// (window.go); UNION/INTERSECT/EXCEPT [ALL] (setop.go)),
// EXPLAIN [ANALYZE] (analyze.go: actual rows and time per SELECT operator,
// timed with Config.Now), SET/RESET/SHOW [ALL], BEGIN/START TRANSACTION,
// COMMIT/END, ROLLBACK/ABORT. Everything else is refused with 0A000 naming
// the construct.
//
// Sessions. A session is idle, open (in BEGIN ... COMMIT) or failed (a
// statement of the open block failed; everything but COMMIT/ROLLBACK gets
// 25P02, and COMMIT then rolls back and reports ROLLBACK). Outside a block,
// consecutive statements of one simple query run in one implicit
// transaction (read-only when they only read), whose results are buffered
// until it commits so that a retryable conflict (txn.ErrRetryable) can be
// retried invisibly, up to Config.MaxRetries times, with the priority the
// conflict hands back. Past resultsBufferValues values the results stream
// to the client instead, and a conflict after that reaches it as 40001. In a block, a conflict reaches the client as 40001
// and fails the block. statement_timeout and the caller's ctx bound each
// call (57014).
//
// Planning reads the catalog through the statement's own transaction, so
// DDL is transactional. Read-only transactions take catalog keys (and
// databases and tables resolved from them) from a cache that gives exactly
// what their snapshot holds (catcache.go); read-write ones read and lock
// them. Prepare plans in the open block's transaction or in a read-only
// one, to infer parameter types and result columns; ExecPrepared plans
// again in the executing transaction, except that a single-table SELECT
// reuses its last plan across read-only executions while the catalog it
// was planned from still holds (plancache.go). Simple queries repeated
// with other integer constants reuse a parsed template (stmtcache.go).
//
// Reads. A WHERE clause is split into conjuncts; equality on every primary
// key column is a point lookup (Get), equality on a prefix and/or bounds on
// the next key column is a range scan, anything else a full scan. The whole
// WHERE is still evaluated on every row read, so the key span only has to
// be a superset. When the filter pins no primary key column, a secondary
// index whose leading columns it constrains is scanned instead (index
// scan then a primary key read per entry, or index-only when every column
// the SELECT names is an index or key column); an inner table of a join
// whose key or index prefix the ON/WHERE equates to outer columns is read
// per outer row (lookup join). See index.go and indexscan.go for CREATE
// [UNIQUE] INDEX, DROP INDEX, UNIQUE constraints and entry upkeep.
// UPDATE and DELETE read with locks (GetForUpdate, Scan
// ForUpdate) and compute every new row before writing any; an UPDATE that
// changes a key deletes all moved rows before inserting them again.
//
// DATE is midnight UTC of its day and TIMESTAMPTZ an instant, both rowenc
// timestamps. The session TimeZone (an IANA name, UTC by default; numeric
// and POSIX-style zones are refused with 0A000, see types.LoadZone) is
// sessionVars.loc: TIMESTAMPTZ text prints in it with its offset and reads
// in it without one (literals, text parameters, COPY), casts to and from
// timestamp and date, date_trunc, extract, localtimestamp and current_date
// use it; binary TIMESTAMPTZ is UTC microseconds. pgwire follows the zone
// from the TimeZone ParameterStatus the session reports;
// date ± integer and date - date work, intervals do not (datearith.go).
// JSON keeps its text, JSONB PostgreSQL's normalised text; -> and ->>
// read fields and elements (json.go).
//
// NUMERIC (numeric.go) is exact (apd): literals with a point are numeric,
// as in PostgreSQL; +, -, * keep exact scales, / and avg pick PostgreSQL's
// select_div_scale, rounding is half away from zero; NUMERIC(p,s) rounds
// on assignment and overflows with 22003. sum(bigint), sum/avg(numeric)
// and avg(integer) are numeric; float round() is half to even.
//
// Values are rowenc.Values typed by the planner: integer arithmetic is
// checked against the result type (22003), division by zero is 22012,
// string literals and parameters take the type their context gives them
// (a column they are compared with or assigned to), and unconstrained
// parameters default to text; 42P18 only where PostgreSQL cannot decide
// either ($1 IS NULL, $1 + $2).
