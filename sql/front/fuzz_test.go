package front

import "testing"

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`SELECT $1::int`, `select 'a''b' || E'\x41'`, `CREATE TABLE t (a int DEFAULT 1::int PRIMARY KEY)`,
		`BEGIN; END`, `SET x TO 1, 'a'`, `SHOW ALL`, `select (((1)))::text::int`, `/* /* */ */ select "a""b"`,
		`select cast(cast(1 as int) as text)`, `::`, `$`, `E'\u12`, `select -1::int8`,
	} {
		f.Add(s)
	}
	p := NewParser()
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Translate(s)
		_, _ = p.Parse(s)
	})
}
