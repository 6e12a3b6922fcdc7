// Package server assembles a Meridian node from its layers and runs it: the
// storage stack (a store, the txn.DB over it and the SQL engine, see
// OpenStack) and the listeners in front of it (the PostgreSQL wire protocol
// server, the HTTP status endpoint, and the reserved node-to-node RPC port).
//
// # Lifecycle
//
// Start validates the Config, opens the stack, binds every listener (so a
// port conflict fails Start before anything is served, and the error says
// which address is taken), then serves. Stop shuts down in the reverse
// order: the SQL server first (idle connections are closed; running
// statements get until Stop's ctx ends, then are cancelled), then HTTP, then
// the RPC port, and the stack last, once no session can reach it.
//
// A process opens a given store directory once: Pebble locks it, and a
// second Start (or the embedded driver) on the same directory fails.
//
// # Addresses
//
// Addresses may use port 0 (tests pass "127.0.0.1:0"); SQLAddr, HTTPAddr
// and RPCAddr report the bound address.
package server
