package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// COPY ... FROM STDIN and COPY ... TO STDOUT need the copy sub-protocol,
// which a simple-protocol Exec cannot drive (the server would wait for data
// forever), so they are recognised and run with PgConn.CopyFrom/CopyTo.
var (
	copyInRE  = regexp.MustCompile(`(?is)^\s*COPY\b.*\bFROM\s+STDIN\b`)
	copyOutRE = regexp.MustCompile(`(?is)^\s*COPY\b.*\bTO\s+STDOUT\b`)
)

// copyIn runs COPY ... FROM STDIN with the data lines that follow it in the
// current input, up to a line "\." or the end of the input, as psql does
// for scripts. (Unlike psql -c, -e takes the data from the rest of its own
// text, not from standard input.)
func (s *session) copyIn(ctx context.Context, sql string) ([]result, error) {
	if s.src == nil {
		return nil, errors.New(`COPY FROM STDIN needs data lines after it; use \i or type it at the prompt`)
	}
	if s.cfg.Interactive && s.depth == 0 {
		fmt.Fprintln(s.out, "Enter data to be copied followed by a newline.\nEnd with a backslash and a period on a line by itself, or an EOF signal.")
	}
	var data strings.Builder
	for {
		line, err := s.src.readLine(">> ")
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if line == `\.` {
			break
		}
		data.WriteString(line)
		data.WriteByte('\n')
	}
	tag, err := s.conn.CopyFrom(ctx, strings.NewReader(data.String()), sql)
	if err != nil {
		return nil, err
	}
	return []result{{tag: tag.String()}}, nil
}

// copyOut runs COPY ... TO STDOUT, writing the data to Out; like psql it
// prints no command tag.
func (s *session) copyOut(ctx context.Context, sql string) ([]result, error) {
	_, err := s.conn.CopyTo(ctx, s.out, sql)
	return nil, err
}
