package sql

import (
	"iter"
	"regexp"
	"strconv"
	"strings"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// pg_catalog and information_schema: virtual tables generated from the
// catalog when a statement reads them, through the statement's own
// transaction, enough of them for psql's describe commands (\dt, \d,
// \di, \l, \dn). Only the current database's public schema is listed.
//
// OIDs are stable for an object: a database or table with descriptor id
// N has OID 100000 + 4096·N; index k of a table (the primary key is 1) has
// the table's OID + k, and its constraint the same OID; CHECK constraint
// j has the table's OID + 2048 + j. Namespaces: pg_catalog 11, public
// 2200, information_schema 13000. Types keep PostgreSQL's OIDs.

const (
	oidBase        = 100000
	oidStride      = 4096
	oidCheckOffset = 2048
	nsPgCatalog    = 11
	nsPublic       = 2200
	nsInfoSchema   = 13000
	amHeap         = 2
	roleOID        = 10   // the bootstrap superuser's OID in PostgreSQL
	relPgClass     = 1259 // pg_class's own OID (pg_depend.classid)
	spcDefault     = 1663 // the pg_default tablespace
	spcGlobal      = 1664
	amBtree        = 403
	encodingUTF8   = 6
)

func objOID(id catalog.ID) int64 { return oidBase + oidStride*int64(id) }

// vtab is a virtual table: its columns ("name:kind" with the kinds of
// o: oid as int8, t: text, b: bool, i2: int2, i4: int4, i8: int8) and its
// rows.
type vtab struct {
	cols string
	rows func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value
}

// catalogSnapshot is the catalog as one statement's transaction sees it.
type catalogSnapshot struct {
	db     *catalog.Database
	dbs    []*catalog.Database
	tables []*catalog.Table
	seqs   []*catalog.Sequence
	// err is the first error a vtab's rows met reading beyond the
	// snapshot (a sequence's value); the rows are then not used.
	err error
}

func loadSnapshot(ec *execCtx) (*catalogSnapshot, error) {
	db, err := catalog.LookupDatabase(ec.ctx, ec.tx, ec.s.dbName)
	if err != nil {
		return nil, err
	}
	if db == nil {
		return nil, pgerror.New(pgerror.CodeInvalidCatalogName, "database %q does not exist", ec.s.dbName)
	}
	tables, err := catalog.ListTables(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return nil, err
	}
	dbs, err := catalog.ListDatabases(ec.ctx, ec.tx)
	if err != nil {
		return nil, err
	}
	seqs, err := catalog.ListSequences(ec.ctx, ec.tx, db.ID)
	if err != nil {
		return nil, err
	}
	return &catalogSnapshot{db: db, dbs: dbs, tables: tables, seqs: seqs}, nil
}

func (c *catalogSnapshot) tableByOID(oid int64) *catalog.Table {
	for _, t := range c.tables {
		if o := objOID(t.ID); oid >= o && oid < o+oidStride {
			return t
		}
	}
	return nil
}

// indexes lists a table's indexes, the primary key first (ID 1).
func tableIndexes(t *catalog.Table) []catalog.Index {
	pk := catalog.Index{ID: 1, Name: t.PKName(), Unique: true, Constraint: true}
	for _, i := range t.PrimaryKey {
		pk.ColumnIDs = append(pk.ColumnIDs, t.Columns[i].ID)
	}
	if len(t.PrimaryKey) == 1 && t.Columns[t.PrimaryKey[0]].Hidden {
		return t.Indexes
	}
	return append([]catalog.Index{pk}, t.Indexes...)
}

func colByID(t *catalog.Table, id rowenc.ColumnID) string {
	for _, c := range t.Columns {
		if c.ID == id {
			return c.Name
		}
	}
	return "?"
}

// quoteIdentIfNeeded is PostgreSQL's quote_ident: the name as is when it
// is a lower-case identifier and not a reserved keyword, else quoted.
func quoteIdentIfNeeded(s string) string {
	ok := s != "" && !pgReservedKeywords[s]
	for i, r := range s {
		if !(r >= 'a' && r <= 'z' || r == '_' || i > 0 && r >= '0' && r <= '9') {
			ok = false
		}
	}
	if ok {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func pgIndexColumns(t *catalog.Table, ix *catalog.Index) string {
	parts := make([]string, len(ix.ColumnIDs))
	for j, id := range ix.ColumnIDs {
		parts[j] = quoteIdentIfNeeded(colByID(t, id))
		if j < len(ix.Desc) && ix.Desc[j] {
			parts[j] += " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

func indexDef(t *catalog.Table, ix *catalog.Index) string {
	u := ""
	if ix.Unique {
		u = "UNIQUE "
	}
	return "CREATE " + u + "INDEX " + quoteIdentIfNeeded(ix.Name) + " ON public." + quoteIdentIfNeeded(t.Name) + " USING btree (" + pgIndexColumns(t, ix) + ")"
}

// defaultText is a stored DEFAULT expression as PostgreSQL prints it
// (best effort: the stored text is the translated dialect).
func defaultText(s string) string {
	for len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' && balanced(s[1:len(s)-1]) {
		s = s[1 : len(s)-1]
	}
	// The stored text is the front's translation; show sequence calls as
	// PostgreSQL does (a SERIAL default reads nextval('t_id_seq'::regclass)),
	// never the internal function names.
	s = regclassCallText.ReplaceAllString(s, "'$1'::regclass")
	// The name as regclassout prints it: no public., quoted where needed.
	s = seqCallText.ReplaceAllStringFunc(s, func(call string) string {
		m := seqCallText.FindStringSubmatch(call)
		name := m[2]
		if n, err := parseSeqName(strings.ReplaceAll(name, "''", "'")); err == nil {
			name = strings.ReplaceAll(quoteIdentIfNeeded(n), "'", "''")
		}
		return m[1] + "('" + name + "'::regclass"
	})
	return s
}

// seqCallText matches the front's spelling of a sequence function call on
// a literal name, once regclassCallText was undone: meridian_nextval('seq'
// or meridian_nextval('seq'::regclass.
var seqCallText = regexp.MustCompile(`\b` + front.SeqFuncPrefix + `(nextval|currval|setval)\('((?:[^']|'')*)'(?:::regclass)?`)

// regclassCallText matches the front's spelling of 'name'::regclass.
var regclassCallText = regexp.MustCompile(`\b` + front.RegFuncPrefix + `regclass\('((?:[^']|'')*)'\)`)

// seqRefs returns the names of the sequences a stored DEFAULT expression
// calls nextval, currval or setval on.
func seqRefs(def string) []string {
	var out []string
	for _, m := range seqCallText.FindAllStringSubmatch(regclassCallText.ReplaceAllString(def, "'$1'::regclass"), -1) {
		if name, err := parseSeqName(strings.ReplaceAll(m[2], "''", "'")); err == nil {
			out = append(out, name)
		}
	}
	return out
}

func balanced(s string) bool {
	d := 0
	for _, r := range s {
		switch r {
		case '(':
			d++
		case ')':
			d--
			if d < 0 {
				return false
			}
		}
	}
	return d == 0
}

// pgReservedKeywords are the keywords quote_ident quotes: PostgreSQL 15's
// reserved, column-name and type-function-name keywords (pg_get_keywords()
// with catcode <> 'U').
var pgReservedKeywords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`all analyse analyze and any array as asc asymmetric authorization between
		bigint binary bit boolean both case cast char character check coalesce collate collation column
		concurrently constraint create cross current_catalog current_date current_role current_schema
		current_time current_timestamp current_user dec decimal default deferrable desc distinct do else
		end except exists extract false fetch float for foreign freeze from full grant greatest group
		grouping having ilike in initially inner inout int integer intersect interval into is isnull join
		lateral leading least left like limit localtime localtimestamp national natural nchar none
		normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay
		placing position precision primary real references returning right row select session_user setof
		similar smallint some substring symmetric table tablesample then time timestamp to trailing treat
		trim true union unique user using values varchar variadic verbose when where window with
		xmlattributes xmlconcat xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot
		xmlserialize xmltable`) {
		m[w] = true
	}
	return m
}()

var (
	vTrue  = rowenc.Bool(true)
	vFalse = rowenc.Bool(false)
	vNull  = rowenc.Null()
)

func vInt(i int64) rowenc.Value   { return rowenc.Int(i) }
func vText(s string) rowenc.Value { return rowenc.String(s) }
func vBool(b bool) rowenc.Value {
	if b {
		return vTrue
	}
	return vFalse
}

// typeOIDs are the types pg_type lists, with PostgreSQL's names.
var typeOIDs = []struct {
	oid  uint32
	name string
}{
	{types.OIDBool, "bool"}, {types.OIDBytea, "bytea"}, {types.OIDName, "name"}, {types.OIDInt8, "int8"},
	{types.OIDInt2, "int2"}, {types.OIDInt4, "int4"}, {types.OIDText, "text"}, {types.OIDOid, "oid"},
	{types.OIDJSON, "json"}, {types.OIDFloat4, "float4"}, {types.OIDFloat8, "float8"},
	{types.OIDBpchar, "bpchar"}, {types.OIDVarchar, "varchar"}, {types.OIDDate, "date"},
	{types.OIDTimestamp, "timestamp"}, {types.OIDTimestamptz, "timestamptz"},
	{types.OIDNumeric, "numeric"}, {types.OIDJSONB, "jsonb"},
}

var vtabs = map[string]map[string]vtab{
	"pg_catalog": {
		"pg_namespace": {"oid:o nspname:t nspowner:o nspacl:t", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
			return [][]rowenc.Value{
				{vInt(nsPgCatalog), vText("pg_catalog"), vInt(10), vNull},
				{vInt(nsPublic), vText("public"), vInt(10), vNull},
				{vInt(nsInfoSchema), vText("information_schema"), vInt(10), vNull},
			}
		}},
		"pg_am": {"oid:o amname:t amtype:t", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
			return [][]rowenc.Value{{vInt(amHeap), vText("heap"), vText("t")}, {vInt(amBtree), vText("btree"), vText("i")}}
		}},
		"pg_class": {"oid:o relname:t relnamespace:o relkind:t relowner:o relam:o relchecks:i2 relhasindex:b relhasrules:b " +
			"relhastriggers:b relrowsecurity:b relforcerowsecurity:b relispartition:b reltablespace:o reloftype:o " +
			"relpersistence:t relreplident:t reltoastrelid:o relpartbound:t relnatts:i2 reltuples:i4 relpages:i4 relacl:t",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				row := func(oid int64, name, kind string, am int64, checks int, hasIndex bool, natts int) []rowenc.Value {
					return []rowenc.Value{vInt(oid), vText(name), vInt(nsPublic), vText(kind), vInt(10), vInt(am), vInt(int64(checks)),
						vBool(hasIndex), vFalse, vFalse, vFalse, vFalse, vFalse, vInt(0), vInt(0), vText("p"), vText("d"), vInt(0), vNull,
						vInt(int64(natts)), vInt(-1), vInt(0), vNull}
				}
				for _, t := range c.tables {
					ixs := tableIndexes(t)
					out = append(out, row(objOID(t.ID), t.Name, "r", amHeap, len(t.Checks), len(ixs) > 0, visibleCols(t)))
					for i := range ixs {
						out = append(out, row(objOID(t.ID)+int64(ixs[i].ID), ixs[i].Name, "i", amBtree, 0, false, len(ixs[i].ColumnIDs)))
					}
				}
				for _, sq := range c.seqs {
					// A sequence is a relation of three columns (last_value,
					// log_cnt, is_called) without an access method.
					out = append(out, row(objOID(sq.ID), sq.Name, "S", 0, 0, false, 3))
				}
				return out
			}},
		"pg_index": {"indexrelid:o indrelid:o indnatts:i2 indisunique:b indisprimary:b indisexclusion:b indimmediate:b " +
			"indisclustered:b indisvalid:b indisready:b indislive:b indisreplident:b",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, t := range c.tables {
					for _, ix := range tableIndexes(t) {
						out = append(out, []rowenc.Value{vInt(objOID(t.ID) + int64(ix.ID)), vInt(objOID(t.ID)), vInt(int64(len(ix.ColumnIDs))),
							vBool(ix.Unique), vBool(ix.ID == 1), vFalse, vTrue, vFalse, vTrue, vTrue, vTrue, vFalse})
					}
				}
				return out
			}},
		"pg_attribute": {"attrelid:o attname:t atttypid:o atttypmod:i4 attnum:i2 attnotnull:b atthasdef:b attisdropped:b " +
			"attcollation:o attidentity:t attgenerated:t attlen:i2 attstorage:t attcompression:t attstattarget:i4",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, t := range c.tables {
					for n, col := range attributes(t) {
						coll := int64(0)
						if col.Type.IsString() {
							coll = 100
						}
						out = append(out, []rowenc.Value{vInt(objOID(t.ID)), vText(col.Name), vInt(int64(col.Type.OID)), vInt(int64(col.Type.Modifier())),
							// An identity column has no default in PostgreSQL's catalog.
							vInt(int64(n)), vBool(col.NotNull), vBool(col.Default != "" && col.Identity == ""), vFalse, vInt(coll), vText(col.Identity), vText(""), vInt(int64(col.Type.Size())),
							vText(attStorage(col.Type)), vText(""), vInt(-1)})
					}
				}
				return out
			}},
		"pg_attrdef": {"oid:o adrelid:o adnum:i2 adbin:t", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
			var out [][]rowenc.Value
			for _, t := range c.tables {
				for n, col := range attributes(t) {
					if col.Default != "" && col.Identity == "" {
						out = append(out, []rowenc.Value{vInt(objOID(t.ID) + oidStride - int64(n)), vInt(objOID(t.ID)), vInt(int64(n)), vText(defaultText(col.Default))})
					}
				}
			}
			return out
		}},
		"pg_constraint": {"oid:o conname:t connamespace:o contype:t condeferrable:b condeferred:b convalidated:b conrelid:o conindid:o",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, t := range c.tables {
					for _, ix := range tableIndexes(t) {
						if !ix.Constraint {
							continue
						}
						kind := "u"
						if ix.ID == 1 {
							kind = "p"
						}
						oid := objOID(t.ID) + int64(ix.ID)
						out = append(out, []rowenc.Value{vInt(oid), vText(ix.Name), vInt(nsPublic), vText(kind), vFalse, vFalse, vTrue, vInt(objOID(t.ID)), vInt(oid)})
					}
					for j, ck := range t.Checks {
						out = append(out, []rowenc.Value{vInt(objOID(t.ID) + oidCheckOffset + int64(j)), vText(ck.Name), vInt(nsPublic), vText("c"), vFalse, vFalse, vTrue, vInt(objOID(t.ID)), vInt(0)})
					}
				}
				return out
			}},
		"pg_sequence": {"seqrelid:o seqtypid:o seqstart:i8 seqincrement:i8 seqmax:i8 seqmin:i8 seqcache:i8 seqcycle:b",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, sq := range c.seqs {
					out = append(out, []rowenc.Value{vInt(objOID(sq.ID)), vInt(int64(seqTypeOID(sq))), vInt(sq.Start), vInt(sq.Increment),
						vInt(sq.Max), vInt(sq.Min), vInt(sq.Cache), vBool(sq.Cycle)})
				}
				return out
			}},
		// pg_depend holds the one dependency psql reads: a sequence owned by
		// a column (SERIAL, OWNED BY: deptype 'a'; identity: 'i').
		"pg_depend": {"classid:o objid:o objsubid:i4 refclassid:o refobjid:o refobjsubid:i4 deptype:t",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, sq := range c.seqs {
					t, col := sq.Owner(c.tables)
					if t == nil || t.Columns[col].Hidden {
						continue
					}
					// 'i' links an identity column's sequence, 'a' an owned one.
					dep := "a"
					if t.Columns[col].Identity != "" {
						dep = "i"
					}
					out = append(out, []rowenc.Value{vInt(relPgClass), vInt(objOID(sq.ID)), vInt(0), vInt(relPgClass), vInt(objOID(t.ID)),
						vInt(int64(attnum(t, col))), vText(dep)})
				}
				return out
			}},
		// One role: the connected user, with every attribute (Meridian has
		// no authentication or privileges yet), as pg_get_userbyid says.
		"pg_roles": {"oid:o rolname:t rolsuper:b rolinherit:b rolcreaterole:b rolcreatedb:b rolcanlogin:b rolreplication:b " +
			"rolconnlimit:i4 rolpassword:t rolvaliduntil:t rolbypassrls:b rolconfig:t",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				return [][]rowenc.Value{{vInt(roleOID), vText(ec.s.user), vTrue, vTrue, vTrue, vTrue, vTrue, vTrue,
					vInt(-1), vText("********"), vNull, vTrue, vNull}}
			}},
		"pg_user": {"usename:t usesysid:o usecreatedb:b usesuper:b userepl:b usebypassrls:b passwd:t valuntil:t useconfig:t",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				return [][]rowenc.Value{{vText(ec.s.user), vInt(roleOID), vTrue, vTrue, vTrue, vTrue, vText("********"), vNull, vNull}}
			}},
		"pg_auth_members": {"roleid:o member:o grantor:o admin_option:b", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
			return nil
		}},
		// Meridian has no logical replication: no publications.
		"pg_publication": {"oid:o pubname:t pubowner:o puballtables:b pubinsert:b pubupdate:b pubdelete:b pubtruncate:b pubviaroot:b",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value { return nil }},
		"pg_publication_namespace": {"oid:o pnpubid:o pnnspid:o", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value { return nil }},
		"pg_publication_rel":       {"oid:o prpubid:o prrelid:o", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value { return nil }},
		// pg_proc is empty: Meridian has no user-defined functions, and its
		// built-in functions are not listed (psql's \df filters pg_catalog's
		// out anyway).
		"pg_proc": {"oid:o proname:t pronamespace:o proowner:o prolang:o prokind:t prosecdef:b proleakproof:b proisstrict:b " +
			"proretset:b provolatile:t proparallel:t pronargs:i2 prorettype:o prosrc:t proacl:t",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				return nil
			}},
		"pg_type": {"oid:o typname:t typnamespace:o typlen:i2 typtype:t typcollation:o", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
			var out [][]rowenc.Value
			for _, ty := range typeOIDs {
				t := types.T{OID: ty.oid}
				coll := int64(0)
				if t.IsString() {
					coll = 100
				}
				out = append(out, []rowenc.Value{vInt(int64(ty.oid)), vText(ty.name), vInt(nsPgCatalog), vInt(int64(t.Size())), vText("b"), vInt(coll)})
			}
			return out
		}},
		"pg_collation": {"oid:o collname:t", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
			return [][]rowenc.Value{{vInt(100), vText("default")}, {vInt(950), vText("C")}}
		}},
		"pg_database": {"oid:o datname:t datdba:o encoding:i4 datlocprovider:t datistemplate:b datallowconn:b datcollate:t datctype:t daticulocale:t datacl:t dattablespace:o",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, d := range c.dbs {
					out = append(out, []rowenc.Value{vInt(objOID(d.ID)), vText(d.Name), vInt(10), vInt(encodingUTF8), vText("c"), vFalse, vTrue, vText("C"), vText("C"), vNull, vNull, vInt(spcDefault)})
				}
				return out
			}},
		// pg_sequences' last_value is the stored value, as PostgreSQL's is
		// the one on disk: with CACHE > 1, the end of the last reserved
		// block; NULL before the first nextval (or after setval(s, v,
		// false), RESTART).
		"pg_sequences": {"schemaname:t sequencename:t sequenceowner:t data_type:t start_value:i8 min_value:i8 max_value:i8 " +
			"increment_by:i8 cycle:b cache_size:i8 last_value:i8",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, sq := range c.seqs {
					v, called, found, err := catalog.ReadSequenceValue(ec.ctx, ec.tx, sq, false)
					if err != nil {
						c.err = err
						return nil
					}
					last := vNull
					if found && called {
						last = vInt(v)
					}
					out = append(out, []rowenc.Value{vText("public"), vText(sq.Name), vText(ec.s.user), vText(seqType(sq)),
						vInt(sq.Start), vInt(sq.Min), vInt(sq.Max), vInt(sq.Increment), vBool(sq.Cycle), vInt(sq.Cache), last})
				}
				return out
			}},
		"pg_tablespace": {"oid:o spcname:t spcowner:o spcacl:t spcoptions:t", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
			return [][]rowenc.Value{{vInt(spcDefault), vText("pg_default"), vInt(roleOID), vNull, vNull},
				{vInt(spcGlobal), vText("pg_global"), vInt(roleOID), vNull, vNull}}
		}},
	},
	"information_schema": {
		"sequences": {"sequence_catalog:t sequence_schema:t sequence_name:t data_type:t numeric_precision:i4 " +
			"numeric_precision_radix:i4 numeric_scale:i4 start_value:t minimum_value:t maximum_value:t increment:t cycle_option:t",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, sq := range c.seqs {
					bits := map[string]int64{"smallint": 16, "integer": 32, "bigint": 64}[seqType(sq)]
					cycle := "NO"
					if sq.Cycle {
						cycle = "YES"
					}
					out = append(out, []rowenc.Value{vText(c.db.Name), vText("public"), vText(sq.Name), vText(seqType(sq)), vInt(bits), vInt(2), vInt(0),
						vText(strconv.FormatInt(sq.Start, 10)), vText(strconv.FormatInt(sq.Min, 10)), vText(strconv.FormatInt(sq.Max, 10)),
						vText(strconv.FormatInt(sq.Increment, 10)), vText(cycle)})
				}
				return out
			}},
		"tables": {"table_catalog:t table_schema:t table_name:t table_type:t", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
			var out [][]rowenc.Value
			for _, t := range c.tables {
				out = append(out, []rowenc.Value{vText(c.db.Name), vText("public"), vText(t.Name), vText("BASE TABLE")})
			}
			return out
		}},
		"columns": {"table_catalog:t table_schema:t table_name:t column_name:t ordinal_position:i4 column_default:t is_nullable:t data_type:t " +
			"is_identity:t identity_generation:t identity_start:t identity_increment:t identity_maximum:t identity_minimum:t identity_cycle:t",
			func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
				var out [][]rowenc.Value
				for _, t := range c.tables {
					for n, col := range attributes(t) {
						def := vNull
						if col.Default != "" && col.Identity == "" {
							def = vText(defaultText(col.Default))
						}
						ident := []rowenc.Value{vText("NO"), vNull, vNull, vNull, vNull, vNull, vText("NO")}
						if col.Identity != "" {
							for _, sq := range c.seqs {
								if ot, oc := sq.Owner([]*catalog.Table{t}); ot != nil && ot.Columns[oc].ID == col.ID {
									cyc := "NO"
									if sq.Cycle {
										cyc = "YES"
									}
									f := func(v int64) rowenc.Value { return vText(strconv.FormatInt(v, 10)) }
									gen := "BY DEFAULT"
									if col.Identity == "a" {
										gen = "ALWAYS"
									}
									ident = []rowenc.Value{vText("YES"), vText(gen), f(sq.Start), f(sq.Increment), f(sq.Max), f(sq.Min), vText(cyc)}
								}
							}
						}
						nullable := "YES"
						if col.NotNull {
							nullable = "NO"
						}
						name := col.Type.Name()
						if i := strings.IndexByte(name, '('); i > 0 {
							name = name[:i]
						}
						out = append(out, append([]rowenc.Value{vText(c.db.Name), vText("public"), vText(t.Name), vText(col.Name), vInt(int64(n)), def, vText(nullable), vText(name)}, ident...))
					}
				}
				return out
			}},
	},
}

// attributes yields t's visible columns with their attnum (1, 2, ...), as
// pg_attribute and information_schema.columns list them.
func attributes(t *catalog.Table) iter.Seq2[int, *catalog.Column] {
	return func(yield func(int, *catalog.Column) bool) {
		n := 0
		for i := range t.Columns {
			if t.Columns[i].Hidden {
				continue
			}
			n++
			if !yield(n, &t.Columns[i]) {
				return
			}
		}
	}
}

// attnum is pg_attribute.attnum of column col: its position among the
// visible columns.
func attnum(t *catalog.Table, col int) int {
	n := 0
	for i := 0; i <= col; i++ {
		if !t.Columns[i].Hidden {
			n++
		}
	}
	return n
}

// attStorage is the storage strategy PostgreSQL gives a type (typstorage):
// main for numeric, extended for the other variable-length types, plain
// for fixed-length ones. (Meridian stores every value inline.)
func attStorage(t types.T) string {
	switch {
	case t.OID == types.OIDNumeric:
		return "m"
	case t.Size() < 0:
		return "x"
	}
	return "p"
}

// sizePretty is pg_size_pretty(bigint), PostgreSQL 15's algorithm: the
// largest unit under its limit, halves rounded away from zero.
func sizePretty(size int64) string {
	units := []struct {
		name  string
		limit int64
		round bool
		bits  uint
	}{
		{"bytes", 10 * 1024, false, 0}, {"kB", 20*1024 - 1, true, 10}, {"MB", 20*1024 - 1, true, 20},
		{"GB", 20*1024 - 1, true, 30}, {"TB", 20*1024 - 1, true, 40}, {"PB", 20*1024 - 1, true, 50},
	}
	abs := func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	}
	b2i := func(b bool) uint {
		if b {
			return 1
		}
		return 0
	}
	for k, u := range units {
		if k == len(units)-1 || abs(size) < u.limit {
			if u.round {
				if size < 0 {
					size = (size - 1) / 2
				} else {
					size = (size + 1) / 2
				}
			}
			return strconv.FormatInt(size, 10) + " " + u.name
		}
		next := units[k+1]
		size /= int64(1) << (next.bits - u.bits - b2i(next.round) + b2i(u.round))
	}
	return ""
}

// seqTypeOID is pg_sequence.seqtypid.
func seqTypeOID(s *catalog.Sequence) uint32 {
	switch seqType(s) {
	case "smallint":
		return types.OIDInt2
	case "integer":
		return types.OIDInt4
	}
	return types.OIDInt8
}

func visibleCols(t *catalog.Table) int {
	n := 0
	for _, c := range t.Columns {
		if !c.Hidden {
			n++
		}
	}
	return n
}

// virtualTable plans a FROM item naming a pg_catalog or
// information_schema table; ok is false for other names.
func (p *planner) virtualTable(tn *ast.TableName, alias string) (*joinStep, bool, error) {
	schema := tn.Schema.O
	if schema == "" && strings.HasPrefix(tn.Name.O, "pg_") {
		// pg_catalog comes first on PostgreSQL's search path: an
		// unqualified pg_class is pg_catalog.pg_class. A pg_ name that is
		// neither a catalog Meridian has nor a user table is a catalog it
		// lacks.
		if _, ok := vtabs["pg_catalog"][tn.Name.O]; ok {
			schema = "pg_catalog"
		} else if db, err := p.database(); err != nil {
			return nil, true, err
		} else if t, err := catalog.LookupTable(p.ctx, p.tx, db.ID, tn.Name.O); err != nil {
			return nil, true, err
		} else if t == nil {
			schema = "pg_catalog"
		}
	}
	if schema != "pg_catalog" && schema != "information_schema" {
		return nil, false, nil
	}
	vt, ok := vtabs[schema][tn.Name.O]
	if !ok {
		return nil, true, pgerror.Unsupported("system catalog " + schema + "." + tn.Name.O)
	}
	return p.vtabStep(vt, alias), true, nil
}

// vtabStep is the FROM item reading vt under alias.
func (p *planner) vtabStep(vt vtab, alias string) *joinStep {
	t := &catalog.Table{Name: alias}
	var cols []Column
	for i, spec := range strings.Fields(vt.cols) {
		name, kind, _ := strings.Cut(spec, ":")
		typ := types.Text
		switch kind {
		case "o":
			typ = types.Int8
		case "b":
			typ = types.Bool
		case "i2":
			typ = types.Int2
		case "i4":
			typ = types.Int4
		case "i8":
			typ = types.Int8
		}
		t.Columns = append(t.Columns, catalog.Column{ID: rowenc.ColumnID(i + 1), Name: name, Type: typ})
		cols = append(cols, Column{Name: name, Type: typ})
	}
	t.Init()
	return &joinStep{st: scopeTable{table: t, alias: alias}, sub: &vtabPlan{vt: vt, cols: cols}}
}

// sequenceRelation plans a FROM item naming a sequence, which PostgreSQL
// reads as a one-row relation (last_value, log_cnt, is_called). It is
// tried only once the name failed to resolve as a table (notFound), so
// table references pay nothing for it; ok is false when there is no such
// sequence either.
func (p *planner) sequenceRelation(tn *ast.TableName, alias string, notFound error) (*joinStep, bool, error) {
	if e := pgerror.Flatten(notFound); e == nil || e.Code != pgerror.CodeUndefinedTable {
		return nil, false, nil
	}
	db, err := p.database()
	if err != nil {
		return nil, false, err
	}
	seq, err := catalog.LookupSequence(p.ctx, p.tx, db.ID, tn.Name.O)
	if err != nil || seq == nil {
		return nil, false, err
	}
	// log_cnt (values WAL-logged ahead) has no counterpart: always 0.
	vt := vtab{"last_value:i8 log_cnt:i8 is_called:b", func(ec *execCtx, c *catalogSnapshot) [][]rowenc.Value {
		v, called, found, err := catalog.ReadSequenceValue(ec.ctx, ec.tx, seq, false)
		if err != nil {
			c.err = err
			return nil
		}
		if !found {
			v, called = seq.Start, false
		}
		return [][]rowenc.Value{{vInt(v), vInt(0), vBool(called)}}
	}}
	return p.vtabStep(vt, alias), true, nil
}

// vtabPlan produces a virtual table's rows.
type vtabPlan struct {
	vt   vtab
	cols []Column
}

func (v *vtabPlan) columns() []Column { return v.cols }

func (v *vtabPlan) exec(ec *execCtx, w ResultWriter) error {
	c, err := loadSnapshot(ec)
	if err != nil {
		return err
	}
	if err := w.Columns(v.cols); err != nil {
		return err
	}
	rows := v.vt.rows(ec, c)
	if c.err != nil {
		return c.err
	}
	for _, r := range rows {
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return w.Complete("SELECT " + strconv.Itoa(len(rows)))
}

// emptyProbePlan answers a front.EmptyProbe.
type emptyProbePlan struct{ cols []Column }

func (e *emptyProbePlan) columns() []Column { return e.cols }
func (e *emptyProbePlan) exec(ec *execCtx, w ResultWriter) error {
	if err := w.Columns(e.cols); err != nil {
		return err
	}
	return w.Complete("SELECT 0")
}

func planEmptyProbe(n *front.EmptyProbe) plan {
	pl := &emptyProbePlan{}
	for _, c := range n.Columns {
		pl.cols = append(pl.cols, Column{Name: c, Type: types.Text})
	}
	return pl
}

// formatType is format_type(oid, typmod).
func formatType(oid, typmod int64) string {
	t, ok := types.FromOID(uint32(oid))
	if !ok {
		for _, ty := range typeOIDs {
			if int64(ty.oid) == oid {
				return ty.name
			}
		}
		return "???"
	}
	if typmod >= 4 && (t.OID == types.OIDVarchar || t.OID == types.OIDBpchar || t.OID == types.OIDNumeric) {
		t.Width = int32(typmod - 4)
	} else if t.OID == types.OIDVarchar || t.OID == types.OIDNumeric {
		t.Width = 0
	} else if t.OID == types.OIDBpchar {
		return "bpchar"
	}
	return t.Name()
}

// translateRegex turns a PostgreSQL (ARE) pattern into a Go one: the
// subset psql generates ('^(name)$', '^pg_', classes, escapes) means the
// same in both; constructs RE2 lacks (back references, lookaround) fail
// to compile and are refused.
func translateRegex(p string) (*regexp.Regexp, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, pgerror.New("2201B", "invalid regular expression: %v", err)
	}
	return re, nil
}

// pgCatalogFunc compiles the functions of psql's catalog queries; ok is
// false for other names.
func (p *planner) pgCatalogFunc(name string, e *ast.FuncCallExpr, hint types.T, sc *scope) (expr, bool, error) {
	if name == front.RegFuncPrefix+"regclass" || name == front.RegclassOIDFunc {
		x, err := p.compileRegclass(name, e, hint, sc)
		return x, true, err
	}
	type sig struct {
		args   []types.T
		result types.T
	}
	sigs := map[string]sig{
		front.RegexFunc:             {[]types.T{types.Text, types.Text}, types.Bool},
		"pg_table_is_visible":       {[]types.T{types.Int8}, types.Bool},
		"pg_get_userbyid":           {[]types.T{types.Int8}, types.Text},
		"pg_encoding_to_char":       {[]types.T{types.Int4}, types.Text},
		"format_type":               {[]types.T{types.Int8, types.Int4}, types.Text},
		"pg_get_expr":               {[]types.T{types.Text, types.Int8, types.Bool}, types.Text},
		"pg_get_indexdef":           {[]types.T{types.Int8, types.Int4, types.Bool}, types.Text},
		"pg_get_constraintdef":      {[]types.T{types.Int8, types.Bool}, types.Text},
		"array_to_string":           {[]types.T{types.Text, types.Text}, types.Text},
		"quote_ident":               {[]types.T{types.Text}, types.Text},
		"has_database_privilege":    {[]types.T{types.Text, types.Text}, types.Bool},
		"pg_database_size":          {[]types.T{types.Text}, types.Int8},
		"pg_size_pretty":            {[]types.T{types.Int8}, types.Text},
		"pg_table_size":             {[]types.T{types.Int8}, types.Int8},
		"pg_relation_size":          {[]types.T{types.Int8}, types.Int8},
		"pg_total_relation_size":    {[]types.T{types.Int8}, types.Int8},
		"pg_indexes_size":           {[]types.T{types.Int8}, types.Int8},
		"pg_function_is_visible":    {[]types.T{types.Int8}, types.Bool},
		"pg_get_function_result":    {[]types.T{types.Int8}, types.Text},
		"pg_get_function_arguments": {[]types.T{types.Int8}, types.Text},
		"obj_description":           {[]types.T{types.Int8, types.Text}, types.Text},
		"shobj_description":         {[]types.T{types.Int8, types.Text}, types.Text},
		"col_description":           {[]types.T{types.Int8, types.Int4}, types.Text},
		"meridian_regtype":          {[]types.T{types.Int8}, types.Text},
		"meridian_regnamespace":     {[]types.T{types.Int8}, types.Text},
	}
	s, ok := sigs[name]
	if !ok {
		return nil, false, nil
	}
	min := len(s.args)
	switch name {
	case "pg_get_expr", "pg_get_indexdef":
		min = 1
		if name == "pg_get_expr" {
			min = 2
		}
	case "pg_get_constraintdef":
		min = 1
	}
	if len(e.Args) < min || len(e.Args) > len(s.args) {
		return nil, true, p.noFunc(name, e.Args, sc)
	}
	args := make([]expr, len(e.Args))
	for i, a := range e.Args {
		x, err := p.compile(a, s.args[i], sc)
		if err != nil {
			return nil, true, err
		}
		if s.args[i] != types.Unknown && x.typ() != s.args[i] && !(s.args[i].IsInteger() && x.typ().IsInteger()) && !(s.args[i].IsString() && x.typ().IsString()) {
			return nil, true, p.noFunc(name, e.Args, sc)
		}
		args[i] = x
	}
	result := s.result
	fn := func(ec *execCtx, a []rowenc.Value) (rowenc.Value, error) {
		switch name {
		case front.RegexFunc:
			re, err := translateRegex(a[1].S)
			if err != nil {
				return vNull, err
			}
			return vBool(re.MatchString(a[0].S)), nil
		case "pg_table_is_visible", "pg_function_is_visible":
			return vTrue, nil
		case "quote_ident":
			return vText(quoteIdentIfNeeded(a[0].S)), nil
		case "pg_size_pretty":
			return vText(sizePretty(a[0].I)), nil
		case "has_database_privilege":
			// Every user may do everything (no privileges yet).
			return vTrue, nil
		case "pg_table_size", "pg_relation_size", "pg_total_relation_size", "pg_indexes_size", "pg_database_size":
			// A relation's size is not tracked per relation; NULL says
			// unknown rather than a made-up number.
			return vNull, nil
		case "obj_description", "shobj_description", "col_description":
			// Meridian has no COMMENT ON.
			return vNull, nil
		case "pg_get_function_result", "pg_get_function_arguments":
			// pg_proc lists no function.
			return vNull, nil
		case "pg_get_userbyid":
			return vText(ec.s.user), nil
		case "pg_encoding_to_char":
			if a[0].I == encodingUTF8 {
				return vText("UTF8"), nil
			}
			return vText(""), nil
		case "format_type":
			if a[0].IsNull() {
				return vNull, nil
			}
			mod := int64(-1)
			if !a[1].IsNull() {
				mod = a[1].I
			}
			return vText(formatType(a[0].I, mod)), nil
		case "pg_get_expr":
			return a[0], nil
		case "array_to_string":
			return vNull, pgerror.Unsupported("arrays")
		case "meridian_regtype":
			return vText(formatType(a[0].I, -1)), nil
		case "meridian_regnamespace":
			switch a[0].I {
			case nsPgCatalog:
				return vText("pg_catalog"), nil
			case nsPublic:
				return vText("public"), nil
			case nsInfoSchema:
				return vText("information_schema"), nil
			}
			return vText(strconv.FormatInt(a[0].I, 10)), nil
		}
		c, err := loadSnapshot(ec)
		if err != nil {
			return vNull, err
		}
		switch name {
		case "pg_get_indexdef":
			t := c.tableByOID(a[0].I)
			if t == nil {
				return vNull, nil
			}
			for _, ix := range tableIndexes(t) {
				if a[0].I == objOID(t.ID)+int64(ix.ID) {
					if len(a) > 1 && a[1].I != 0 {
						return vNull, pgerror.Unsupported("pg_get_indexdef with a column number")
					}
					return vText(indexDef(t, &ix)), nil
				}
			}
			return vNull, nil
		case "pg_get_constraintdef":
			t := c.tableByOID(a[0].I)
			if t == nil {
				return vNull, nil
			}
			off := a[0].I - objOID(t.ID)
			if off >= oidCheckOffset && int(off-oidCheckOffset) < len(t.Checks) {
				return vText("CHECK (" + t.Checks[off-oidCheckOffset].Expr + ")"), nil
			}
			for _, ix := range tableIndexes(t) {
				if off == int64(ix.ID) && ix.Constraint {
					kind := "UNIQUE"
					if ix.ID == 1 {
						kind = "PRIMARY KEY"
					}
					return vText(kind + " (" + pgIndexColumns(t, &ix) + ")"), nil
				}
			}
			return vNull, nil
		}
		return vNull, pgerror.Unsupported(name)
	}
	// format_type(oid, NULL) is the type without a modifier, not NULL.
	strict := name != "format_type"
	return &funcExpr{t: result, args: args, strict: strict, fn: fn}, true, nil
}
