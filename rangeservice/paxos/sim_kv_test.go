package paxos

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/anishathalye/porcupine"
)

// kvOp is a client operation on the simulated key-value store.
type kvOp struct {
	Kind string // "get", "put", "cas"
	Key  string
	Val  string // put: the value; cas: the new value
	Old  string // cas: the expected value
}

// kvResult is an operation's outcome. Unknown marks an operation whose
// outcome the client never learned: it may or may not have taken effect.
type kvResult struct {
	Val     string // get: the value read
	OK      bool   // cas: whether it swapped
	Unknown bool
}

func (o kvOp) encode() []byte {
	b, _ := json.Marshal(o)
	return b
}

// kvStore is the replicated state machine. It is an idempotent receiver:
// it remembers each client's last applied sequence number and result, so
// a retried request that commits twice is applied once.
type kvStore struct {
	Data    map[string]string
	Dedup   map[uint64]dedupEntry
	Applied uint64
}

type dedupEntry struct {
	Seq    uint64
	Result kvResult
}

func newKVStore() *kvStore {
	return &kvStore{Data: map[string]string{}, Dedup: map[uint64]dedupEntry{}}
}

// apply applies a committed entry and returns the result of the command.
func (s *kvStore) apply(e Entry) (kvResult, bool) {
	if e.Index != s.Applied+1 {
		panic(fmt.Sprintf("kv: applying %d after %d", e.Index, s.Applied))
	}
	s.Applied = e.Index
	if e.Type != EntryNormal {
		return kvResult{}, false
	}
	if d, ok := s.Dedup[e.ClientID]; ok && e.Seq <= d.Seq {
		return d.Result, e.Seq == d.Seq // duplicate: the first application's result
	}
	var op kvOp
	if err := json.Unmarshal(e.Data, &op); err != nil {
		panic(err)
	}
	var res kvResult
	switch op.Kind {
	case "put":
		s.Data[op.Key] = op.Val
	case "cas":
		if s.Data[op.Key] == op.Old {
			s.Data[op.Key] = op.Val
			res.OK = true
		}
	}
	s.Dedup[e.ClientID] = dedupEntry{Seq: e.Seq, Result: res}
	return res, true
}

func (s *kvStore) snapshot() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return b
}

func restoreKV(data []byte, index uint64) *kvStore {
	s := newKVStore()
	if len(data) > 0 {
		if err := json.Unmarshal(data, s); err != nil {
			panic(err)
		}
	}
	s.Applied = index
	return s
}

// kvModel is the sequential specification porcupine checks histories
// against, partitioned by key.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(kvOp).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		v := state.(string)
		op, res := input.(kvOp), output.(kvResult)
		switch op.Kind {
		case "get":
			return res.Unknown || res.Val == v, v
		case "put":
			return true, op.Val
		case "cas":
			swap := v == op.Old
			if res.Unknown || res.OK == swap {
				if swap {
					return true, op.Val
				}
				return true, v
			}
			return false, v
		}
		return false, v
	},
	DescribeOperation: func(input, output any) string {
		op, res := input.(kvOp), output.(kvResult)
		var b strings.Builder
		fmt.Fprintf(&b, "%s(%s", op.Kind, op.Key)
		if op.Kind == "cas" {
			fmt.Fprintf(&b, ", %q", op.Old)
		}
		if op.Kind != "get" {
			fmt.Fprintf(&b, ", %q", op.Val)
		}
		b.WriteString(") -> ")
		switch {
		case res.Unknown:
			b.WriteString("?")
		case op.Kind == "get":
			fmt.Fprintf(&b, "%q", res.Val)
		case op.Kind == "cas":
			fmt.Fprintf(&b, "%v", res.OK)
		default:
			b.WriteString("ok")
		}
		return b.String()
	},
}
