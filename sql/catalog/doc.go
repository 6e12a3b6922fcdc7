// Package catalog holds Meridian's SQL schema (databases, tables, columns,
// primary keys, secondary indexes) in system keys, read and written through a txn.Txn like any
// other data, so that DDL is transactional and a restarted node finds the
// catalog where it left it. It also owns the layout of table rows in KV.
//
// # Key layout
//
// Every component after the first byte is a rowenc.AppendKey encoding
// (ascending), so keys of one kind sort by their components:
//
//	0x01 "boot"                          -> "1"  bootstrap marker
//	0x01 "seq"                           -> uvarint: next descriptor id
//	0x01 "ns" <parent id> <name>          -> uvarint: descriptor id
//	0x01 "desc" <id>                      -> JSON Descriptor
//	0x01 "idx" <database id> <index name> -> uvarint: table id
//	0x02 <table id> <index id> <pk col>.. -> rowenc.AppendRow(non-key cols)
//
//	┌──────┬──────────┬──────────┬─────────────┬─────┬─────────────┐
//	│ 0x02 │ K(table) │ K(index) │ K(pk col 1) │ ... │ K(pk col n) │ → row value
//	└──────┴──────────┴──────────┴─────────────┴─────┴─────────────┘
//
// Secondary indexes (ids 2, 3, ... from Table.NextIndexID, never reused)
// live in the same table span, so DROP TABLE and TRUNCATE remove them with
// the rows. Index columns are encoded in their declared direction
// (K↓ for DESC), primary key columns always ascending:
//
//	non-unique:              0x02 K(table) K(index) K(ix col)..  K(pk col).. → "" (stored columns, none yet)
//	unique, no NULL ix col:  0x02 K(table) K(index) K(ix col)..              → K(pk col)..
//	unique, a NULL ix col:   0x02 K(table) K(index) K(ix col)..  K(pk col).. → K(pk col)..
//
// A unique entry without NULLs is written with txn.Insert, so a second row
// with the same values finds the key and fails with ErrKeyExists (23505):
// the check is a read of that key in the writing transaction, hence
// serializable. With a NULL among the indexed columns the primary key is
// appended, so such entries never collide: NULLs are distinct, as in
// PostgreSQL. Decoding a unique entry takes the primary key from the value
// in both cases. Index names share the relation namespace with tables
// (42P07) through the "idx" keys.
//
// Databases are named under parent 0, tables under their database's id.
// Database and table ids come from one counter ("seq"), read and advanced
// under the transaction that creates the object, so ids are never reused.
// The primary index has id 1. A table declared without a primary key gets
// a hidden BIGINT column "rowid" as its key, filled with a unique id
// (UniqueRowID) on insert. Names are compared exactly as stored: the front
// folds unquoted identifiers to lower case.
//
// # Contract
//
// Functions take the caller's transaction and do no caching: every
// statement reads the descriptors it needs through its own transaction, so
// it sees its own uncommitted DDL and conflicts with concurrent DDL as
// ordinary reads and writes do. Descriptors returned are owned by the
// caller.
package catalog
