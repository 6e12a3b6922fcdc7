// Package front is the PostgreSQL-dialect front of Meridian's SQL layer: a
// lexer-aware translator from the PostgreSQL spellings clients send to the
// MySQL-flavoured text the TiDB parser (github.com/pingcap/tidb/pkg/parser)
// reads, and the per-session Parser that runs both.
//
// # What is translated
//
// The input is tokenized with PostgreSQL's lexical rules (strings with ”
// doubling and literal backslashes, E'...' escape strings, "quoted"
// identifiers, -- and nested /* */ comments, $n parameters), statement by
// statement, and re-emitted:
//
//   - Unquoted identifiers and keywords fold to lower case; quoted ones keep
//     their case (the TiDB parser, in ANSI_QUOTES mode, keeps "x" as an
//     identifier). Callers compare names by their original spelling (O).
//   - $n becomes a ? marker; Result.Params maps the i-th marker to n, so $1
//     may repeat or come out of order.
//   - x::type and CAST(x AS type) become meridian_cast(x, 'type') with the
//     type in canonical form (see CastFunc, TypeName); the operand of :: is
//     found at token level (identifier chains, literals, parameters,
//     parenthesised groups, function calls, other casts).
//   - E'...' becomes an ordinary '...' string with the escapes resolved.
//   - $tag$...$tag$ (dollar quoting) becomes an ordinary string.
//   - x -> k and x ->> k (JSON) become meridian_json_get[_text](x, k), k
//     one literal or parameter; concat(...) becomes meridian_concat(...)
//     (the parser makes concat(a, b) of a || b); x IS [NOT] DISTINCT FROM
//     y becomes [NOT] x <=> y; a space between count, sum, ... and "("
//     is dropped (MySQL reads those names as functions only when "("
//     follows at once).
//   - Column types in CREATE TABLE are PostgreSQL names, emitted as the
//     MySQL spelling that maps back one to one (TypeFromField); DEFAULT
//     expressions are parenthesised so any expression parses.
//   - BEGIN / START TRANSACTION [ISOLATION LEVEL ...] [READ ONLY | READ
//     WRITE], END, ABORT, COMMIT/ROLLBACK [WORK|TRANSACTION], SET name
//     {TO|=} value, SET TIME ZONE, RESET, SHOW name | ALL become their
//     TiDB forms (SET values are passed as one string; SHOW as SHOW SESSION
//     VARIABLES LIKE 'name').
//   - INSERT ... ON CONFLICT [(cols) | ON CONSTRAINT name] DO NOTHING | DO
//     UPDATE SET ... [WHERE ...]: split off into Statement.OnConflict, its
//     SET and WHERE parsed as "update meridian_conflict set ... where ...".
//   - INSERT/UPDATE/DELETE ... RETURNING list: the list is split off and
//     parsed as "select list" (Statement.Returning, Parsed.Returning); its
//     $n markers follow the statement's.
//   - ORDER BY x [ASC|DESC] NULLS FIRST|LAST becomes
//     meridian_nulls(x, 'first'|'last') [ASC|DESC].
//   - Window function names used as identifiers (a column named rank or
//     last_value) are quoted: the TiDB grammar reserves them.
//   - x::oid becomes a cast to bigint (Meridian's OIDs are bigints);
//     x::regclass becomes meridian_regclass(x), or meridian_regclass_oid(x)
//     as an operand of a comparison (see pgcat.go).
//
// Statements the TiDB grammar lacks are parsed here (Special, special.go):
// COPY (table or (query), FROM STDIN / TO STDOUT, with the query translated
// like any statement and parsed by the Parser into CopyStmt.Query), CREATE
// and ALTER SEQUENCE with PostgreSQL's options (sequence.go), VACUUM,
// ANALYZE, multi-table TRUNCATE [RESTART IDENTITY], and a few psql and
// pgbench catalog probes.
//
// The parser runs with ANSI_QUOTES | NO_BACKSLASH_ESCAPES | PIPES_AS_CONCAT
// (SQLMode). HIGH_NOT_PRECEDENCE stays off: PostgreSQL's NOT binds looser
// than comparisons, as MySQL's default NOT does. The engine, not the
// parser, gives every operator its PostgreSQL meaning (integer division,
// bytewise string comparison, three-valued logic).
//
// # What is refused
//
// A construct the front cannot translate faithfully is refused with SQLSTATE
// 0A000 naming it, never misparsed: U&'...' strings, bit strings,
// operators PostgreSQL and MySQL read differently (^ # ~ && ? and others),
// savepoints, arrays, temporary tables and other PostgreSQL-only
// statements. Lexical errors (an unterminated
// string or comment) and MySQL-only syntax (LIMIT #,#, backquotes) are
// 42601.
//
// # Contract
//
// Translate is a pure function. A Parser is used by one goroutine (a
// session); its results do not alias its input.
package front
