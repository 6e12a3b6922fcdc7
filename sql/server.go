package sql

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/meridiandb/meridian/sql/catalog"
	"github.com/meridiandb/meridian/sql/pgerror"
	"github.com/meridiandb/meridian/txn"
)

// Config configures a Server.
type Config struct {
	// DB is the transactional store. Required. The Server must be the
	// only writer of the catalog through it (see catcache.go).
	DB txn.DB
	// Logger receives the server's logs; nil means slog.Default().
	Logger *slog.Logger
	// ServerVersion is reported as server_version; empty means
	// DefaultServerVersion.
	ServerVersion string
	// MaxRetries bounds the automatic retries of a statement (or implicit
	// transaction) that hits a retryable conflict; zero means 100.
	MaxRetries int
	// Now reads the clock for EXPLAIN ANALYZE's timings (only); nil means
	// time.Now.
	Now func() time.Time
}

// DefaultServerVersion is the PostgreSQL version Meridian reports.
const DefaultServerVersion = "16.0"

func (c *Config) validate() error {
	if c.DB == nil {
		return errors.New("sql: Config.DB is required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ServerVersion == "" {
		c.ServerVersion = DefaultServerVersion
	}
	if c.MaxRetries < 0 {
		return errors.New("sql: Config.MaxRetries must not be negative")
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 100
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Server is the SQL engine of a node.
type Server struct {
	cfg Config
}

var _ Engine = (*Server)(nil)

// NewServer validates cfg and bootstraps the catalog (idempotently: on a
// restart it finds the system keys there).
func NewServer(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg}
	s.cfg.DB = &catalogDB{db: cfg.DB, cache: &catalogCache{}}
	err := s.runTxn(ctx, txn.Options{}, func(tx txn.Txn) error {
		return catalog.Bootstrap(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// rollbackOnPanic, deferred right after Begin of a transaction that no
// session holds (an implicit one), rolls it back if a panic (a bug)
// unwinds through, then panics on: the connection handler recovers and
// closes the connection, but the transaction would keep its locks and block
// others for good. A session's explicit transaction is rolled back by
// Session.Close instead.
func rollbackOnPanic(ctx context.Context, tx txn.Txn) {
	if r := recover(); r != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		panic(r)
	}
}

// runTxn runs fn in a transaction and commits it, retrying retryable
// conflicts with the priority the conflict hands back.
func (s *Server) runTxn(ctx context.Context, opts txn.Options, fn func(txn.Txn) error) error {
	for attempt := 0; ; attempt++ {
		tx, err := s.cfg.DB.Begin(ctx, opts)
		if err != nil {
			return err
		}
		err = func() error {
			defer rollbackOnPanic(ctx, tx)
			return fn(tx)
		}()
		if err == nil {
			err = tx.Commit(ctx)
		} else {
			_ = tx.Rollback(ctx)
		}
		var re *txn.RetryableError
		if errors.As(err, &re) && attempt < s.cfg.MaxRetries {
			opts.Priority = re.Priority
			continue
		}
		if errors.Is(err, txn.ErrRetryable) && attempt < s.cfg.MaxRetries {
			continue
		}
		return err
	}
}

// NewSession implements Engine.
func (s *Server) NewSession(ctx context.Context, args SessionArgs) (Session, error) {
	dbName := args.Database
	if dbName == "" {
		dbName = catalog.DefaultDatabase
	}
	err := s.runTxn(ctx, txn.Options{ReadOnly: true}, func(tx txn.Txn) error {
		db, err := catalog.LookupDatabase(ctx, tx, dbName)
		if err != nil {
			return err
		}
		if db == nil {
			return pgerror.New(pgerror.CodeInvalidCatalogName, "database %q does not exist", dbName)
		}
		return nil
	})
	if err != nil {
		return nil, pgerror.Flatten(err)
	}
	user := args.User
	if user == "" {
		user = "root"
	}
	sess := newSession(s, user, dbName)
	for name, value := range args.Params {
		if err := sess.vars.set(canonicalVarName(name), value, false); err != nil {
			return nil, pgerror.Flatten(err)
		}
	}
	return sess, nil
}
