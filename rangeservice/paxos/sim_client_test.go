package paxos

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// simClient issues one operation at a time, retrying it (same client id
// and sequence number) on another replica when it times out.
type simClient struct {
	id       uint64
	seq      uint64
	op       *kvOp
	call     int64
	target   ReplicaID
	deadline uint64
	retry    bool
	redirect bool // the deadline is a redirect's back-off, not a timeout
	lastVal  map[string]string
}

type historyOp struct {
	client int
	op     kvOp
	res    kvResult
	call   int64
	ret    int64
}

var simKeys = []string{"a", "b", "c"}

// randomTarget picks a replica that has not been destroyed.
func (s *sim) randomTarget() ReplicaID {
	var ids []ReplicaID
	for _, n := range s.nodes {
		if !n.gone {
			ids = append(ids, n.id)
		}
	}
	return ids[s.rng.Intn(len(ids))]
}

func (s *sim) clientsIdle() bool {
	for _, c := range s.clients {
		if c.op != nil {
			return false
		}
	}
	return true
}

func (s *sim) clientsStep() {
	for _, c := range s.clients {
		switch {
		case c.op == nil && !s.quiet && s.rng.Intn(100) < 15:
			s.newOp(c)
		case c.op != nil && (c.retry || s.now >= c.deadline):
			if !c.retry && !c.redirect {
				// Timed out: try some other replica.
				c.target = s.randomTarget()
			}
			c.retry, c.redirect = false, false
			s.submit(c)
		}
	}
}

func (s *sim) newOp(c *simClient) {
	if c.lastVal == nil {
		c.lastVal = map[string]string{}
	}
	c.seq++
	k := simKeys[s.rng.Intn(len(simKeys))]
	op := kvOp{Key: k}
	switch s.rng.Intn(3) {
	case 0:
		op.Kind = "get"
	case 1:
		op.Kind, op.Val = "put", fmt.Sprintf("%d.%d", c.id, c.seq)
	default:
		op.Kind, op.Old, op.Val = "cas", c.lastVal[k], fmt.Sprintf("%d.%d", c.id, c.seq)
	}
	c.op = &op
	s.evt++
	c.call = s.evt
	if c.target == None {
		c.target = s.randomTarget()
	}
	s.submit(c)
}

// submit hands the request to the target replica's waiting list.
func (s *sim) submit(c *simClient) {
	c.deadline = s.now + 25
	n := s.node(c.target)
	s.tracef("client %d seq %d %s %s at %d", c.id, c.seq, c.op.Kind, c.op.Key, c.target)
	if n == nil || !n.alive {
		return // times out
	}
	var err error
	if c.op.Kind == "get" {
		n.nextID++
		ctx := n.nextID
		lease := n.r.HasLease()
		if err = n.r.ReadIndex(ctx); err == nil {
			if lease {
				s.stats.leaseReads++
			} else {
				s.stats.indexReads++
			}
			n.reads[ctx] = readWait{c: c, seq: c.seq, key: c.op.Key}
		}
	} else {
		n.nextID++
		pid := n.nextID
		if err = n.r.Propose(Proposal{ID: pid, ClientID: c.id, Seq: c.seq, Data: c.op.encode()}); err == nil {
			n.props[pid] = waitKey{c.id, c.seq}
			n.waiting[waitKey{c.id, c.seq}] = c
		}
	}
	var nle *NotLeaderError
	if errors.As(err, &nle) {
		c.target = nle.Leader
		if c.target == None {
			c.target = s.randomTarget()
		}
		c.deadline, c.redirect = s.now+3, true // redirect soon
	} else if err != nil {
		c.deadline = s.now + 3
	}
	s.handleReady(n)
}

// retryNow retries at once (the proposal was dropped).
func (c *simClient) retryNow(s *sim) { c.retry = true }

// complete records the client's operation outcome.
func (s *sim) complete(c *simClient, seq uint64, res kvResult) {
	if c.op == nil || seq != c.seq {
		return // a late answer to an operation already completed
	}
	s.evt++
	s.history = append(s.history, historyOp{client: int(c.id), op: *c.op, res: res, call: c.call, ret: s.evt})
	if c.op.Kind == "get" {
		c.lastVal[c.op.Key] = res.Val
	} else if c.op.Kind == "put" || res.OK {
		c.lastVal[c.op.Key] = c.op.Val
	}
	c.op = nil
}

func (s *sim) checkHistory() error {
	ops := make([]porcupine.Operation, 0, len(s.history)+len(s.clients))
	for _, h := range s.history {
		ops = append(ops, porcupine.Operation{ClientId: h.client - 1, Input: h.op, Output: h.res, Call: h.call, Return: h.ret})
	}
	// Operations still outstanding are ambiguous: they may have applied.
	for _, c := range s.clients {
		if c.op != nil {
			ops = append(ops, porcupine.Operation{ClientId: int(c.id) - 1, Input: *c.op,
				Output: kvResult{Unknown: true}, Call: c.call, Return: s.evt + 1_000_000})
		}
	}
	res, info := porcupine.CheckOperationsVerbose(kvModel, ops, 10*time.Second)
	switch res {
	case porcupine.Ok:
		return nil
	case porcupine.Unknown:
		return errors.New("linearizability check timed out")
	}
	var b strings.Builder
	b.WriteString("history is not linearizable:\n")
	for _, h := range s.history {
		fmt.Fprintf(&b, "  client %d [%d,%d] %s\n", h.client, h.call, h.ret, kvModel.DescribeOperation(h.op, h.res))
	}
	_ = info
	return errors.New(b.String())
}
