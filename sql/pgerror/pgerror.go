// Package pgerror carries PostgreSQL error information (SQLSTATE code,
// message, detail, hint) from wherever an error is detected to the client.
//
// Every error the SQL layer returns to a client goes through Flatten, which
// turns any error into an *Error: errors that already carry a code keep it;
// the typed errors of the layers below map to their SQLSTATE (a retryable
// transaction conflict is 40001, a cancelled statement 57014); anything else
// is an internal error (XX000) whose message is kept, so nothing is hidden.
package pgerror

import (
	"context"
	"errors"
	"fmt"

	"github.com/meridiandb/meridian/txn"
)

// SQLSTATE codes Meridian reports. The names follow PostgreSQL's
// errcodes.txt.
const (
	CodeSuccessfulCompletion         = "00000"
	CodeWarning                      = "01000"
	CodeFeatureNotSupported          = "0A000"
	CodeInvalidCatalogName           = "3D000"
	CodeInvalidSchemaName            = "3F000"
	CodeCardinalityViolation         = "21000"
	CodeDataException                = "22000"
	CodeStringDataRightTruncation    = "22001"
	CodeNumericValueOutOfRange       = "22003"
	CodeInvalidDatetimeFormat        = "22007"
	CodeDatetimeFieldOverflow        = "22008"
	CodeDivisionByZero               = "22012"
	CodeInvalidParameterValue        = "22023"
	CodeInvalidTextRepresentation    = "22P02"
	CodeInvalidBinaryRepresentation  = "22P03"
	CodeCharacterNotInRepertoire     = "22021"
	CodeNotNullViolation             = "23502"
	CodeForeignKeyViolation          = "23503"
	CodeUniqueViolation              = "23505"
	CodeCheckViolation               = "23514"
	CodeInvalidTransactionState      = "25000"
	CodeActiveSQLTransaction         = "25001"
	CodeNoActiveSQLTransaction       = "25P01"
	CodeInFailedSQLTransaction       = "25P02"
	CodeReadOnlySQLTransaction       = "25006"
	CodeInvalidSQLStatementName      = "26000"
	CodeInvalidCursorName            = "34000"
	CodeSerializationFailure         = "40001"
	CodeStatementCompletionUnknown   = "40003"
	CodeSyntaxError                  = "42601"
	CodeInsufficientPrivilege        = "42501"
	CodeUndefinedColumn              = "42703"
	CodeUndefinedFunction            = "42883"
	CodeUndefinedTable               = "42P01"
	CodeUndefinedParameter           = "42P02"
	CodeUndefinedObject              = "42704"
	CodeDuplicateColumn              = "42701"
	CodeDuplicateDatabase            = "42P04"
	CodeDuplicateTable               = "42P07"
	CodeDuplicateObject              = "42710"
	CodeAmbiguousColumn              = "42702"
	CodeGroupingError                = "42803"
	CodeDatatypeMismatch             = "42804"
	CodeWrongObjectType              = "42809"
	CodeInvalidColumnDefinition      = "42611"
	CodeInvalidTableDefinition       = "42P16"
	CodeIndeterminateDatatype        = "42P18"
	CodeObjectInUse                  = "55006"
	CodeQueryCanceled                = "57014"
	CodeAdminShutdown                = "57P01"
	CodeProtocolViolation            = "08P01"
	CodeConnectionFailure            = "08006"
	CodeInvalidAuthorizationSpec     = "28000"
	CodeInvalidPassword              = "28P01"
	CodeProgramLimitExceeded         = "54000"
	CodeTooManyConnections           = "53300"
	CodeInternalError                = "XX000"
	CodeDataCorrupted                = "XX001"
	CodeInvalidPreparedStatementDefn = "42P14"
	CodeDuplicatePreparedStatement   = "42P05"
)

// Error is an error with a SQLSTATE, as an ErrorResponse carries it.
type Error struct {
	// Severity is ERROR unless set (FATAL for errors that end the session).
	Severity string
	Code     string
	Message  string
	Detail   string
	Hint     string
	// Position is the 1-based character offset in the query the error points
	// at, or 0.
	Position int32
	// cause is the error this one was made from, if any, for errors.Is/As.
	cause error
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the error this one was made from.
func (e *Error) Unwrap() error { return e.cause }

// New returns an error with the given code and formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Severity: "ERROR", Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with the given code whose message is msg (or the
// cause's message when msg is empty) and which unwraps to cause.
func Wrap(cause error, code, msg string) *Error {
	if msg == "" {
		msg = cause.Error()
	} else {
		msg = msg + ": " + cause.Error()
	}
	return &Error{Severity: "ERROR", Code: code, Message: msg, cause: cause}
}

// WithDetail returns a copy of e with Detail set.
func (e *Error) WithDetail(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

// WithHint returns a copy of e with Hint set.
func (e *Error) WithHint(format string, args ...any) *Error {
	c := *e
	c.Hint = fmt.Sprintf(format, args...)
	return &c
}

// Unsupported is the error for a construct Meridian does not implement yet:
// 0A000 naming it, never a silent misparse or a wrong answer.
func Unsupported(what string) *Error {
	return New(CodeFeatureNotSupported, "not supported yet: %s", what)
}

// Code returns err's SQLSTATE as Flatten would.
func Code(err error) string { return Flatten(err).Code }

// Flatten turns any error into an *Error fit to send to a client.
func Flatten(err error) *Error {
	if err == nil {
		return nil
	}
	var pe *Error
	if errors.As(err, &pe) {
		if pe.Severity == "" {
			c := *pe
			c.Severity = "ERROR"
			return &c
		}
		return pe
	}
	switch {
	case errors.Is(err, txn.ErrRetryable):
		return Wrap(err, CodeSerializationFailure, "").
			WithHint("the transaction conflicted with another one; retry it")
	case errors.Is(err, txn.ErrAmbiguousCommit):
		return Wrap(err, CodeStatementCompletionUnknown, "")
	case errors.Is(err, txn.ErrReadOnly):
		return Wrap(err, CodeReadOnlySQLTransaction, "cannot execute in a read-only transaction")
	case errors.Is(err, context.Canceled):
		return Wrap(err, CodeQueryCanceled, "canceling statement due to user request")
	case errors.Is(err, context.DeadlineExceeded):
		return Wrap(err, CodeQueryCanceled, "canceling statement due to statement timeout")
	}
	return Wrap(err, CodeInternalError, "internal error")
}
