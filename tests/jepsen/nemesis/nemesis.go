package nemesis

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"time"
)

// Nemesis injects and heals faults.
type Nemesis interface {
	// Name identifies the nemesis in reports ("process", "partition", ...).
	Name() string
	// Start injects one fault and describes it.
	Start(ctx context.Context) (string, error)
	// Heal undoes every fault injected so far and describes what it did.
	Heal(ctx context.Context) (string, error)
}

// Event is one action of a schedule, for the history.
type Event struct {
	Action string // "start" or "heal"
	Note   string // the nemesis' description
	Err    error
}

// Schedule is when a nemesis acts.
type Schedule struct {
	// Interval is the mean length of a quiet period and of a faulty one;
	// each is drawn uniformly from [Interval/2, 3*Interval/2).
	Interval time.Duration
	// Seed makes the lengths (and a seeded nemesis' choices) repeatable.
	Seed int64
}

// RunSchedule alternates quiet periods and faults until ctx is done, then
// heals (with healCtx, which should outlive ctx) and returns the heal's
// error. Every action is passed to record, which must be safe to call from
// this goroutine.
func RunSchedule(ctx, healCtx context.Context, n Nemesis, s Schedule, record func(Event)) error {
	if s.Interval <= 0 {
		s.Interval = time.Second
	}
	rng := rand.New(rand.NewSource(s.Seed))
	jitter := func() time.Duration {
		return s.Interval/2 + time.Duration(rng.Int63n(int64(s.Interval)))
	}
	faulty := false
	heal := func() error {
		note, err := n.Heal(healCtx)
		record(Event{Action: "heal", Note: note, Err: err})
		return err
	}
	for {
		if ctx.Err() != nil {
			return heal()
		}
		timer := time.NewTimer(jitter())
		select {
		case <-ctx.Done():
			timer.Stop()
			return heal()
		case <-timer.C:
		}
		if !faulty {
			note, err := n.Start(ctx)
			record(Event{Action: "start", Note: note, Err: err})
		} else {
			_ = heal() // recorded; the schedule goes on
		}
		faulty = !faulty
	}
}

// Compose returns a nemesis whose Start starts one of ns, chosen with the
// seeded rng, and whose Heal heals them all.
func Compose(seed int64, ns ...Nemesis) Nemesis {
	return &composed{ns: ns, rng: rand.New(rand.NewSource(seed))}
}

type composed struct {
	ns  []Nemesis
	rng *rand.Rand
}

var _ Nemesis = (*composed)(nil)

func (c *composed) Name() string {
	names := make([]string, len(c.ns))
	for i, n := range c.ns {
		names[i] = n.Name()
	}
	return strings.Join(names, "+")
}

func (c *composed) Start(ctx context.Context) (string, error) {
	n := c.ns[c.rng.Intn(len(c.ns))]
	note, err := n.Start(ctx)
	return n.Name() + ": " + note, err
}

func (c *composed) Heal(ctx context.Context) (string, error) {
	var notes []string
	var errs []error
	for _, n := range c.ns {
		note, err := n.Heal(ctx)
		if note != "" {
			notes = append(notes, n.Name()+": "+note)
		}
		errs = append(errs, err)
	}
	return strings.Join(notes, "; "), errors.Join(errs...)
}

// Fault is what the process nemesis does to a process.
type Fault string

const (
	// Kill sends SIGKILL; heal restarts the process on the same store.
	Kill Fault = "kill"
	// Pause sends SIGSTOP; heal sends SIGCONT.
	Pause Fault = "pause"
)

// ProcessNemesis kills or pauses processes.
type ProcessNemesis struct {
	procs  []*Process
	faults []Fault
	rng    *rand.Rand

	killed []*Process // to restart on Heal
	paused []*Process // to resume on Heal
}

var _ Nemesis = (*ProcessNemesis)(nil)

// NewProcessNemesis returns a nemesis that, on each Start, applies one of
// faults (default: Kill and Pause) to one of procs that is up and not
// paused, chosen with a rng seeded by seed.
func NewProcessNemesis(procs []*Process, faults []Fault, seed int64) *ProcessNemesis {
	if len(faults) == 0 {
		faults = []Fault{Kill, Pause}
	}
	return &ProcessNemesis{procs: procs, faults: faults, rng: rand.New(rand.NewSource(seed))}
}

// Name implements Nemesis.
func (p *ProcessNemesis) Name() string { return "process" }

// Start implements Nemesis.
func (p *ProcessNemesis) Start(_ context.Context) (string, error) {
	var up []*Process
	for _, pr := range p.procs {
		if pr.Running() && !pr.Paused() {
			up = append(up, pr)
		}
	}
	if len(up) == 0 {
		return "no process up", nil
	}
	target := up[p.rng.Intn(len(up))]
	switch f := p.faults[p.rng.Intn(len(p.faults))]; f {
	case Kill:
		if err := target.Kill(); err != nil {
			return "kill -9 " + target.Name(), err
		}
		p.killed = append(p.killed, target)
		return "kill -9 " + target.Name(), nil
	case Pause:
		if err := target.Pause(); err != nil {
			return "SIGSTOP " + target.Name(), err
		}
		p.paused = append(p.paused, target)
		return "SIGSTOP " + target.Name(), nil
	default:
		return "", fmt.Errorf("nemesis: unknown fault %q", f)
	}
}

// Heal implements Nemesis: resume the paused, restart the killed.
func (p *ProcessNemesis) Heal(ctx context.Context) (string, error) {
	var notes []string
	var errs []error
	for _, pr := range p.paused {
		notes = append(notes, "SIGCONT "+pr.Name())
		errs = append(errs, pr.Resume())
	}
	p.paused = nil
	for _, pr := range p.killed {
		notes = append(notes, "restart "+pr.Name())
		errs = append(errs, pr.Start(ctx))
	}
	p.killed = nil
	return strings.Join(notes, ", "), errors.Join(errs...)
}
