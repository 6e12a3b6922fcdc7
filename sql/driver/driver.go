package driver

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"sync"

	msql "github.com/meridiandb/meridian/sql"
)

// DriverName is the name the driver registers with database/sql.
const DriverName = "meridian"

func init() { sql.Register(DriverName, &Driver{}) }

// Driver is the "meridian" database/sql driver.
type Driver struct{}

var (
	_ sqldriver.Driver        = (*Driver)(nil)
	_ sqldriver.DriverContext = (*Driver)(nil)
)

// Open opens a connection with its own connector; closing the connection
// releases the store. database/sql uses OpenConnector instead.
func (d *Driver) Open(name string) (sqldriver.Conn, error) {
	c, err := d.OpenConnector(name)
	if err != nil {
		return nil, err
	}
	conn, err := c.Connect(context.Background())
	if err != nil {
		_ = c.(*Connector).Close()
		return nil, err
	}
	conn.(*Conn).ownConnector = c.(*Connector)
	return conn, nil
}

// OpenConnector parses name and opens (or shares) its store.
func (d *Driver) OpenConnector(name string) (sqldriver.Connector, error) {
	ds, err := parseDSN(name)
	if err != nil {
		return nil, err
	}
	st, err := acquire(context.Background(), ds)
	if err != nil {
		return nil, err
	}
	return &Connector{driver: d, dsn: ds, stack: st}, nil
}

// Connector opens sessions on one store. database/sql closes it when the
// sql.DB closes, which releases the store.
type Connector struct {
	driver *Driver
	dsn    dsn
	stack  *sharedStack

	closeOnce sync.Once
	closeErr  error
}

var _ sqldriver.Connector = (*Connector)(nil)

// ErrClosed is returned by a Connector or Conn used after Close.
var ErrClosed = errors.New("meridian: closed")

// Connect opens a session.
func (c *Connector) Connect(ctx context.Context) (sqldriver.Conn, error) {
	sess, err := c.stack.stack.Engine.NewSession(ctx, msql.SessionArgs{User: c.dsn.user, Database: c.dsn.database,
		Params: map[string]string{"application_name": "meridian-embedded"}})
	if err != nil {
		return nil, err
	}
	return &Conn{sess: sess}, nil
}

// Driver returns the driver.
func (c *Connector) Driver() sqldriver.Driver { return c.driver }

// Close releases the store; the last connector of a store closes it.
func (c *Connector) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.stack.release() })
	return c.closeErr
}
