// Package e2e holds Meridian's end-to-end tests: each starts a real node
// (server.Start on loopback ports and a temporary store, or the meridian
// binary as a subprocess) and talks to it the way users do, through pgx,
// lib/pq, the embedded database/sql driver, psql and raw protocol bytes.
//
// The meridian binary for the subprocess tests is built once, in TestMain,
// into a temporary directory. psql tests skip (saying so) when psql is not
// installed. Nothing waits on the wall clock: readiness is polled with a
// bounded deadline (waitFor), and cancellation is observed, not timed.
package e2e
