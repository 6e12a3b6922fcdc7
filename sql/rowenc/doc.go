// Package rowenc encodes SQL column values to bytes for the KV layer: keys
// whose byte order is the SQL order, and compact row values for the non-key
// columns.
//
// # Values
//
// A Value is a Kind plus one payload field: NULL, BOOL, INT (SMALLINT, INT
// and BIGINT all as int64), FLOAT (float64), STRING (TEXT, VARCHAR, CHAR),
// BYTES (BYTEA) and TIMESTAMP (int64 microseconds since the Unix epoch, UTC,
// PostgreSQL's precision; TimestampFromTime and Value.Time convert). The SQL
// layer wraps Value in its own datum type and does its own type checking and
// coercion (e.g. CHAR padding, SMALLINT range, UTF-8 validity): this package
// stores what it is given.
//
// Compare defines the order of Values: the SQL order within a Kind (NaN
// greater than every float and equal to itself, -0 == 0, text bytewise,
// i.e. the "C" collation), NULL after everything, as PostgreSQL's default
// ascending ORDER BY has it, so an ascending index scan yields PostgreSQL's
// order directly.
//
// # Keys
//
// AppendKey writes one column in a Direction; a composite key (a table or
// index prefix built by the caller, then each key column) is the
// concatenation of its columns' encodings, and bytes.Compare on two such
// keys orders them as the tuples they hold, column by column, each in its
// direction. Each encoding starts with a marker byte that names the kind and
// the direction, so DecodeKey needs no schema to split a key into columns.
// The layouts are drawn beside AppendKey. Encodings are canonical: two
// Values encode to the same key exactly when Compare says they are equal,
// so -0 and +0 are one primary key, as are all NaNs.
//
// Descending columns sort NULL first (DESC NULLS FIRST, PostgreSQL's
// default for DESC). NULLS FIRST ascending or NULLS LAST descending are not
// expressible yet; a caller needing them can prefix the column with its own
// null-flag byte.
//
// PrefixEnd gives the exclusive end of the span of all keys starting with a
// prefix. The bytes 0x00 and 0xFF never start an encoded column, so a
// caller may append them to a prefix as sentinels below or above every
// column value.
//
// # Row values
//
// AppendRow writes the non-key columns of a row as (column-ID delta, type
// tag, payload) triples behind a format byte, omitting NULLs; the layout is
// drawn beside AppendRow. RowDecoder iterates the columns, DecodeRow
// collects them all, and DecodeRowInto matches them against a schema's
// column IDs: columns the row lacks (added later, or NULL) decode as NULL,
// columns the schema lacks (dropped) are skipped. See the HAZARD paragraph
// on AppendRow about columns added with a default.
//
// # Contract
//
//   - Encoders append to a caller-owned dst and return the extended slice,
//     like strconv.Append*. They keep no reference to their inputs.
//   - Decoded Values never alias the decoder's input: strings and byte slices
//     are copied, so the input buffer may be reused at once.
//   - Decoders never panic. Every malformed input returns an error wrapping
//     ErrCorrupt (check with errors.Is); a value read from storage that fails
//     to decode is corruption, not a user error.
//   - Encoding an invalid Kind or Direction is a programming error: AppendKey
//     panics, AppendRow returns an error.
//
// Both encodings are persisted; changing a layout needs a new marker, tag or
// row format version, never a reinterpretation of existing bytes.
package rowenc
