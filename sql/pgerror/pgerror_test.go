package pgerror

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/meridiandb/meridian/txn"
)

func TestFlatten(t *testing.T) {
	base := New(CodeUniqueViolation, "duplicate key value violates unique constraint %q", "t_pkey")
	for _, tc := range []struct {
		err  error
		code string
	}{
		{base, CodeUniqueViolation},
		{fmt.Errorf("insert: %w", base), CodeUniqueViolation},
		{&txn.RetryableError{Reason: "wounded"}, CodeSerializationFailure},
		{fmt.Errorf("x: %w", txn.ErrAmbiguousCommit), CodeStatementCompletionUnknown},
		{context.Canceled, CodeQueryCanceled},
		{errors.New("boom"), CodeInternalError},
	} {
		got := Flatten(tc.err)
		if got.Code != tc.code || got.Severity != "ERROR" {
			t.Errorf("Flatten(%v) = %s/%s, want %s/ERROR", tc.err, got.Code, got.Severity, tc.code)
		}
		if !errors.Is(got, tc.err) && !errors.Is(tc.err, got) {
			t.Errorf("Flatten(%v) lost its cause", tc.err)
		}
	}
	if Flatten(nil) != nil {
		t.Error("Flatten(nil) != nil")
	}
	if got := Unsupported("WINDOW functions"); got.Code != CodeFeatureNotSupported || got.Message != "not supported yet: WINDOW functions" {
		t.Errorf("Unsupported = %+v", got)
	}
}
