package nemesis

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ProcessConfig describes a server process.
type ProcessConfig struct {
	// Name identifies the process in notes and errors.
	Name string
	// Command is the argv to run, e.g. {"/path/meridian", "start",
	// "--store", dir, "--sql-addr", addr, ...}.
	Command []string
	// Env is added to the environment the process inherits.
	Env []string
	// Credential, if set, runs the process as another user (the harness
	// runs as root; PostgreSQL refuses to). Setting it here rather than
	// wrapping the command in runuser/su keeps the server the direct child,
	// so that signals reach it.
	Credential *syscall.Credential
	// LogPath receives the process' stdout and stderr, appended across
	// restarts. Empty discards them.
	LogPath string
	// ReadyAddr is a host:port the process accepts TCP connections on once
	// it is up. Empty: up as soon as it was started.
	ReadyAddr string
	// ReadyTimeout bounds the wait for ReadyAddr (default 30s).
	ReadyTimeout time.Duration
}

func (c *ProcessConfig) validate() error {
	if len(c.Command) == 0 {
		return errors.New("nemesis: process has no command")
	}
	if c.Name == "" {
		c.Name = c.Command[0]
	}
	if c.ReadyTimeout <= 0 {
		c.ReadyTimeout = 30 * time.Second
	}
	return nil
}

// Process is a server run as a child process, which can be killed, paused
// and restarted.
type Process struct {
	cfg ProcessConfig

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil when not running
	done   chan struct{} // closed when cmd exited
	paused bool
	err    error // cmd's exit error, once done
}

// NewProcess validates cfg and returns a Process that is not yet started.
func NewProcess(cfg ProcessConfig) (*Process, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Process{cfg: cfg}, nil
}

// MeridianCommand is the argv of `meridian start` for one node.
func MeridianCommand(binary, store, sqlAddr, rpcAddr, httpAddr string) []string {
	return []string{binary, "start", "--store", store, "--sql-addr", sqlAddr, "--rpc-addr", rpcAddr, "--http-addr", httpAddr}
}

// FreeAddr returns a loopback host:port nobody listens on right now.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Name returns the configured name.
func (p *Process) Name() string { return p.cfg.Name }

// Running reports whether the process has been started and not exited.
func (p *Process) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.runningLocked()
}

func (p *Process) runningLocked() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Paused reports whether the process is stopped by SIGSTOP.
func (p *Process) Paused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// Start starts the process (if it is not running) and waits until
// ReadyAddr accepts connections. It fails early if the process exits,
// quoting the end of its log.
func (p *Process) Start(ctx context.Context) error {
	p.mu.Lock()
	if p.runningLocked() {
		p.mu.Unlock()
		return nil
	}
	cmd := exec.Command(p.cfg.Command[0], p.cfg.Command[1:]...)
	// Its own process group, so that signals reach its children too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: p.cfg.Credential}
	if len(p.cfg.Env) > 0 {
		cmd.Env = append(os.Environ(), p.cfg.Env...)
	}
	var logf *os.File
	if p.cfg.LogPath != "" {
		f, err := os.OpenFile(p.cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			p.mu.Unlock()
			return err
		}
		logf = f
		fmt.Fprintf(f, "=== %s: starting %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(p.cfg.Command, " "))
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		if logf != nil {
			logf.Close()
		}
		return fmt.Errorf("nemesis: start %s: %w", p.cfg.Name, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.paused, p.err = cmd, done, false, nil
	p.mu.Unlock()
	go func() {
		err := cmd.Wait()
		if logf != nil {
			logf.Close()
		}
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	return p.waitReady(ctx, done)
}

func (p *Process) waitReady(ctx context.Context, done chan struct{}) error {
	if p.cfg.ReadyAddr == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.ReadyTimeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		var d net.Dialer
		dctx, dcancel := context.WithTimeout(ctx, time.Second)
		c, err := d.DialContext(dctx, "tcp", p.cfg.ReadyAddr)
		dcancel()
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-done:
			p.mu.Lock()
			exitErr := p.err
			p.mu.Unlock()
			return fmt.Errorf("nemesis: %s exited before listening on %s (%v)%s", p.cfg.Name, p.cfg.ReadyAddr, exitErr, p.logTail())
		case <-ctx.Done():
			return fmt.Errorf("nemesis: %s not listening on %s: %w%s", p.cfg.Name, p.cfg.ReadyAddr, ctx.Err(), p.logTail())
		case <-tick.C:
		}
	}
}

// logTail returns the last lines of the process' log, for error messages.
func (p *Process) logTail() string {
	if p.cfg.LogPath == "" {
		return ""
	}
	b, err := os.ReadFile(p.cfg.LogPath)
	if err != nil {
		return ""
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return "; log tail:\n" + string(b)
}

// Log returns the whole log of the process (empty without LogPath).
func (p *Process) Log() string {
	if p.cfg.LogPath == "" {
		return ""
	}
	b, _ := os.ReadFile(p.cfg.LogPath)
	return string(b)
}

// signal sends sig to the process' group, if running.
func (p *Process) signal(sig syscall.Signal) (chan struct{}, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.runningLocked() {
		return nil, fmt.Errorf("nemesis: %s is not running", p.cfg.Name)
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, sig); err != nil {
		return nil, fmt.Errorf("nemesis: %v %s: %w", sig, p.cfg.Name, err)
	}
	switch sig {
	case syscall.SIGSTOP:
		p.paused = true
	case syscall.SIGCONT, syscall.SIGKILL:
		p.paused = false
	}
	return p.done, nil
}

// Kill sends SIGKILL and waits for the process to exit.
func (p *Process) Kill() error {
	done, err := p.signal(syscall.SIGKILL)
	if err != nil {
		return err
	}
	<-done
	return nil
}

// Pause sends SIGSTOP.
func (p *Process) Pause() error {
	_, err := p.signal(syscall.SIGSTOP)
	return err
}

// Resume sends SIGCONT.
func (p *Process) Resume() error {
	_, err := p.signal(syscall.SIGCONT)
	return err
}

// Close kills the process if it is running (resuming it first if paused,
// so the kill is delivered promptly) and waits for it.
func (p *Process) Close() error {
	if !p.Running() {
		return nil
	}
	if p.Paused() {
		_ = p.Resume()
	}
	return p.Kill()
}
