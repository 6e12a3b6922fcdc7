package shell

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// table is one result set ready to print: the column headers and the rows as
// text, nil for NULL. Rows are owned by the table.
type table struct {
	cols    []string
	numeric []bool // per column: right-align (psql does this for number types)
	rows    [][]*string
}

// rowsFooter is psql's "(N rows)" line.
func rowsFooter(n int) string {
	if n == 1 {
		return "(1 row)"
	}
	return fmt.Sprintf("(%d rows)", n)
}

// width is the display width of s, one column per rune. (East Asian wide
// characters are counted as one column; psql counts two.)
func width(s string) int { return utf8.RuneCountInString(s) }

// cellLines splits a value at newlines, as psql prints multi-line values.
func cellLines(v *string) []string {
	if v == nil {
		return []string{""}
	}
	return strings.Split(*v, "\n")
}

// writeAligned prints t as psql's default aligned format (border 1):
//
//	 id | name
//	----+-------
//	  1 | alice
//	(1 row)
//
// Headers are centred; text is left-aligned and numbers right-aligned; a
// line of a multi-line value that continues ends with '+'; the last column
// has no trailing padding except in the header; a blank line follows the
// footer. A title, if given, is centred above the table (psql's \d).
func writeAligned(w io.Writer, t *table, title string) {
	var b strings.Builder
	n := len(t.cols)
	if n == 0 {
		fmt.Fprintf(&b, "--\n%s\n\n", rowsFooter(len(t.rows)))
		io.WriteString(w, b.String())
		return
	}
	widths := make([]int, n)
	for i, c := range t.cols {
		widths[i] = width(c)
	}
	cells := make([][][]string, len(t.rows)) // row, column, line
	for r, row := range t.rows {
		cells[r] = make([][]string, n)
		for i := 0; i < n; i++ {
			var v *string
			if i < len(row) {
				v = row[i]
			}
			cells[r][i] = cellLines(v)
			for _, l := range cells[r][i] {
				widths[i] = max(widths[i], width(l))
			}
		}
	}
	if title != "" {
		total := len(widths)*3 - 1
		for _, wd := range widths {
			total += wd
		}
		if tw := width(title); tw < total {
			b.WriteString(strings.Repeat(" ", (total-tw)/2))
		}
		b.WriteString(title)
		b.WriteByte('\n')
	}
	// Header, centred; psql pads the last header cell too.
	for i, c := range t.cols {
		if i > 0 {
			b.WriteByte('|')
		}
		pad := widths[i] - width(c)
		b.WriteByte(' ')
		b.WriteString(strings.Repeat(" ", pad/2))
		b.WriteString(c)
		b.WriteString(strings.Repeat(" ", pad-pad/2))
		b.WriteByte(' ')
	}
	b.WriteByte('\n')
	for i := range t.cols {
		if i > 0 {
			b.WriteByte('+')
		}
		b.WriteString(strings.Repeat("-", widths[i]+2))
	}
	b.WriteByte('\n')
	for r := range cells {
		lines := 1
		for i := range cells[r] {
			lines = max(lines, len(cells[r][i]))
		}
		for l := 0; l < lines; l++ {
			for i := 0; i < n; i++ {
				if i > 0 {
					b.WriteByte('|')
				}
				c := cells[r][i]
				text := ""
				if l < len(c) {
					text = c[l]
				}
				more := l+1 < len(c)
				pad := strings.Repeat(" ", widths[i]-width(text))
				b.WriteByte(' ')
				if t.numeric[i] {
					b.WriteString(pad)
					b.WriteString(text)
				} else {
					b.WriteString(text)
					if i < n-1 || more {
						b.WriteString(pad)
					}
				}
				switch {
				case more:
					b.WriteByte('+')
				case i < n-1:
					b.WriteByte(' ')
				}
			}
			b.WriteByte('\n')
		}
	}
	b.WriteString(rowsFooter(len(t.rows)))
	b.WriteString("\n\n")
	io.WriteString(w, b.String())
}

// writeExpanded prints t as psql's expanded format (\x), one block per row:
//
//	-[ RECORD 1 ]-
//	id   | 1
//	name | alice
//
// An empty result prints "(0 rows)".
func writeExpanded(w io.Writer, t *table) {
	var b strings.Builder
	if len(t.rows) == 0 {
		b.WriteString("(0 rows)\n\n")
		io.WriteString(w, b.String())
		return
	}
	hw, dw := 0, 0
	for _, c := range t.cols {
		hw = max(hw, width(c))
	}
	for _, row := range t.rows {
		for _, v := range row {
			for _, l := range cellLines(v) {
				dw = max(dw, width(l))
			}
		}
	}
	for r, row := range t.rows {
		writeRecordHeader(&b, r+1, hw, dw)
		for i, c := range t.cols {
			var v *string
			if i < len(row) {
				v = row[i]
			}
			lines := cellLines(v)
			for l, text := range lines {
				name := ""
				if l == 0 {
					name = c
				}
				b.WriteString(name)
				b.WriteString(strings.Repeat(" ", hw-width(name)))
				b.WriteString(" | ")
				b.WriteString(text)
				if l+1 < len(lines) {
					b.WriteString(strings.Repeat(" ", dw-width(text)))
					b.WriteByte('+')
				}
				b.WriteByte('\n')
			}
		}
	}
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// writeRecordHeader writes "-[ RECORD n ]" padded with dashes to the record
// width, with a '+' over the column divider when the label is shorter than
// the name column, following psql's print_aligned_vertical_line for border 1.
func writeRecordHeader(b *strings.Builder, n, hw, dw int) {
	label := fmt.Sprintf("-[ RECORD %d ]", n)
	b.WriteString(label)
	reclen := len(label)
	for i := reclen; i < hw; i++ {
		b.WriteByte('-')
	}
	reclen -= hw
	for _, c := range []byte{'-', '+', '-'} {
		if reclen <= 0 {
			b.WriteByte(c)
		}
		reclen--
	}
	for i := max(reclen, 0); i < dw; i++ {
		b.WriteByte('-')
	}
	b.WriteByte('\n')
}
