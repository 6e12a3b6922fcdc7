package sql

import (
	"strconv"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/front"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/sql/rowenc"
	"github.com/meridiandb/meridian/sql/types"
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// regclass: x::regclass names a relation (table, index, sequence or
// system catalog) by its OID. Meridian has no regclass type: the front
// turns the cast into meridian_regclass(x), which evaluates to the OID
// where an integer is wanted (::regclass::oid, an argument of an OID
// parameter; the compile hint says so) and to the name as PostgreSQL's
// regclassout prints it otherwise (::regclass::text, a select list,
// nextval's argument); meridian_regclass_oid(x), the front's form for an
// operand of a comparison, is always the OID.
//
// A name is read as regclassin reads it: [schema.]name, unquoted parts
// folded to lower case; a missing relation is 42P01. An OID that names
// nothing prints as its number, as in PostgreSQL.

// systemRelations are the pg_catalog relations a regclass may name, with
// PostgreSQL's OIDs (the ones psql's queries compare with).
var systemRelations = map[string]int64{
	"pg_type": 1247, "pg_attribute": 1249, "pg_proc": 1255, "pg_class": 1259,
	"pg_database": 1262, "pg_am": 2601, "pg_attrdef": 2604, "pg_constraint": 2606,
	"pg_depend": 2608, "pg_index": 2610, "pg_namespace": 2615, "pg_sequence": 2224,
	"pg_collation": 3456, "pg_description": 2609, "pg_authid": 1260,
}

// compileRegclass compiles meridian_regclass(x) and meridian_regclass_oid(x).
func (p *planner) compileRegclass(name string, e *ast.FuncCallExpr, hint types.T, sc *scope) (expr, error) {
	if len(e.Args) != 1 {
		return nil, p.noFunc(name, e.Args, sc)
	}
	arg, err := p.compile(e.Args[0], types.Unknown, sc)
	if err != nil {
		return nil, err
	}
	if at := arg.typ(); !at.IsString() && !at.IsInteger() && at.OID != types.OIDUnknown {
		return nil, pgerror.New(codeCannotCoerce, "cannot cast type %s to regclass", at.Name())
	}
	wantOID := name == front.RegclassOIDFunc || hint.IsInteger()
	t := types.Text
	if wantOID {
		t = types.Int8
	}
	fn := func(ec *execCtx, a []rowenc.Value) (rowenc.Value, error) {
		c, err := loadSnapshot(ec)
		if err != nil {
			return vNull, err
		}
		oid := a[0].I
		if a[0].Kind == rowenc.KindString {
			if oid, err = c.relationOID(a[0].S); err != nil {
				return vNull, err
			}
		}
		if wantOID {
			return vInt(oid), nil
		}
		return vText(c.relationName(oid)), nil
	}
	return &funcExpr{t: t, args: []expr{arg}, strict: true, fn: fn}, nil
}

// relationOID resolves a regclass name.
func (c *catalogSnapshot) relationOID(text string) (int64, error) {
	parts := splitQualified(text)
	missing := func() (int64, error) {
		return 0, pgerror.New(pgerror.CodeUndefinedTable, "relation %q does not exist", text)
	}
	schema, name := "", parts[len(parts)-1]
	switch len(parts) {
	case 1:
	case 2:
		schema = parts[0]
	default:
		return 0, pgerror.New(pgerror.CodeInvalidParameterValue, "improper relation name (too many dotted names): %s", text)
	}
	if schema == "" || schema == "pg_catalog" {
		// pg_catalog is searched first, as PostgreSQL's search_path does.
		if oid, ok := systemRelations[name]; ok {
			return oid, nil
		}
		if schema == "pg_catalog" {
			return missing()
		}
	} else if schema != "public" {
		return 0, pgerror.New(pgerror.CodeInvalidSchemaName, "schema %q does not exist", schema)
	}
	for _, t := range c.tables {
		if t.Name == name {
			return objOID(t.ID), nil
		}
		for _, ix := range tableIndexes(t) {
			if ix.Name == name {
				return objOID(t.ID) + int64(ix.ID), nil
			}
		}
	}
	for _, s := range c.seqs {
		if s.Name == name {
			return objOID(s.ID), nil
		}
	}
	return missing()
}

// relationName is regclassout: the relation's name, quoted when it needs
// it (every listed schema is on the search path, so never qualified), or
// the OID's digits when nothing has it.
func (c *catalogSnapshot) relationName(oid int64) string {
	for name, o := range systemRelations {
		if o == oid {
			return name
		}
	}
	if t := c.tableByOID(oid); t != nil {
		if oid == objOID(t.ID) {
			return quoteIdentIfNeeded(t.Name)
		}
		for _, ix := range tableIndexes(t) {
			if oid == objOID(t.ID)+int64(ix.ID) {
				return quoteIdentIfNeeded(ix.Name)
			}
		}
	}
	if s := c.seqByOID(oid); s != nil {
		return quoteIdentIfNeeded(s.Name)
	}
	return strconv.FormatInt(oid, 10)
}

func (c *catalogSnapshot) seqByOID(oid int64) *catalog.Sequence {
	for _, s := range c.seqs {
		if objOID(s.ID) == oid {
			return s
		}
	}
	return nil
}
