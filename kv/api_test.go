package kv

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	txn := &TxnMeta{ID: NewTxnID(), Priority: 1}
	k := []byte("k")
	for _, tc := range []struct {
		name string
		ba   BatchRequest
		ok   bool
	}{
		{"get", BatchRequest{Txn: txn, Requests: []Request{&GetRequest{Key: k}}}, true},
		{"empty get", BatchRequest{Requests: []Request{&GetRequest{}}}, false},
		{"bad locking", BatchRequest{Txn: txn, Requests: []Request{&GetRequest{Key: k, KeyLocking: 9}}}, false},
		{"scan", BatchRequest{Requests: []Request{&ScanRequest{Key: []byte("a"), EndKey: []byte("b")}}}, true},
		{"inverted scan", BatchRequest{Requests: []Request{&ScanRequest{Key: []byte("b"), EndKey: []byte("a")}}}, false},
		{"put outside txn", BatchRequest{Requests: []Request{&PutRequest{Key: k}}}, true},
		{"put in txn", BatchRequest{Txn: txn, Requests: []Request{&PutRequest{Key: k}}}, false},
		{"lock outside txn", BatchRequest{Requests: []Request{&LockRequest{Span: Span{Key: k}, Strength: LockShared}}}, false},
		{"lock none", BatchRequest{Txn: txn, Requests: []Request{&LockRequest{Span: Span{Key: k}}}}, false},
		{"end not last", BatchRequest{Txn: txn, Requests: []Request{&EndTxnRequest{}, &GetRequest{Key: k}}}, false},
		{"end", BatchRequest{Txn: txn, Requests: []Request{&GetRequest{Key: k}, &EndTxnRequest{Commit: true, Writes: []Write{{Key: k}}}}}, true},
		{"read-only writes", BatchRequest{Txn: &TxnMeta{ID: txn.ID, Priority: 1, ReadOnly: true},
			Requests: []Request{&EndTxnRequest{Commit: true, Writes: []Write{{Key: k}}}}}, false},
		{"no priority", BatchRequest{Txn: &TxnMeta{}, Requests: []Request{&GetRequest{Key: k}}}, false},
	} {
		err := tc.ba.Validate()
		if tc.ok != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidRequest)) {
			t.Errorf("%s: Validate = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestTxnAbortedErrorIs(t *testing.T) {
	var err error = &TxnAbortedError{Reason: "x"}
	if !errors.Is(err, ErrTxnAborted) {
		t.Fatal("TxnAbortedError does not match ErrTxnAborted")
	}
	a := TxnMeta{ID: TxnID{1}, Priority: 5}
	b := TxnMeta{ID: TxnID{2}, Priority: 5}
	if !a.Older(&b) || b.Older(&a) {
		t.Fatal("priority tie not broken by ID")
	}
}
