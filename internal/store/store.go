// Package store owns Hotline's storage contract: an ordered key-value store
// with read transactions, serializable write transactions and batched,
// durable commits. Domain packages keep their records and secondary indexes
// in it; every implementation must pass the conformance suite in
// internal/store/storetest.
package store

import (
	"context"
	"errors"
	"iter"
)

// ErrNotFound is returned by Get when a key does not exist.
var ErrNotFound = errors.New("store: key not found")

// ErrClosed is returned by every call made after Close.
var ErrClosed = errors.New("store: closed")

// ErrInvalidKey is returned (wrapped) by Get, Put and Delete for a key the
// store cannot hold: an empty key, or one longer than the backend's limit.
var ErrInvalidKey = errors.New("store: invalid key")

// Store is the contract every backend implements.
//
// Update's function runs inside a serializable write transaction. Concurrent
// Updates are committed in groups that share one fsync; Update returns only
// after its transaction is durable on disk (or has failed). Because a group
// may be retried when one member fails, fn may run more than once and must
// have no effects outside the transaction. If fn returns an error, nothing it
// wrote is kept and Update returns that error unchanged. If fn panics, its
// writes are discarded, the store stays usable, and Update panics with the
// same value in the caller's goroutine. fn must not call runtime.Goexit
// (t.FailNow and friends); return an error instead.
//
// View and Update return ctx.Err() without running fn when ctx is already
// done. An Update whose ctx ends while it waits to join a commit returns
// ctx.Err() and writes nothing; once its commit has started it runs to the
// end and reports the commit's result.
//
// A transaction handle is valid only while its fn runs and is not safe for
// concurrent use. Close waits for commits in flight; afterwards every call,
// Close included, returns ErrClosed.
type Store interface {
	View(ctx context.Context, fn func(tx Tx) error) error
	Update(ctx context.Context, fn func(tx RwTx) error) error
	Close() error
}

// Tx is a consistent read-only snapshot.
type Tx interface {
	// Get returns the value stored at key, or ErrNotFound. The returned slice
	// is only valid until the transaction ends and must not be modified; copy
	// it to keep it. A stored empty value is returned as a non-nil, empty
	// slice.
	Get(key []byte) ([]byte, error)
	// Scan yields the pairs with start <= key < end in ascending key order. A
	// nil or empty start means from the first key; a nil or empty end means
	// no upper bound. Yielded slices are only valid during the iteration step
	// and must not be modified.
	//
	// Inside an RwTx the loop body may Put and Delete: the scan then goes on
	// with the first key after the last one yielded, as the transaction now
	// stands.
	Scan(start, end []byte) iter.Seq2[[]byte, []byte]
	// ScanReverse is Scan in descending key order: it yields the pairs with
	// start <= key < end, largest first.
	ScanReverse(start, end []byte) iter.Seq2[[]byte, []byte]
}

// RwTx is a write transaction; reads see its own writes.
type RwTx interface {
	Tx
	// Put stores value at key, replacing any previous value. It copies key
	// and value, so the caller may reuse both. A nil value is stored as an
	// empty value.
	Put(key, value []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(key []byte) error
}

// PrefixEnd returns the smallest key greater than every key that starts with
// prefix, for use as Scan's end bound. It returns nil when no such key exists
// (prefix is empty or all 0xff), which Scan reads as "no upper bound".
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// ConcurrentUpdater is implemented by stores that can run a write
// transaction's function outside the serial commit: on a snapshot, in the
// caller's goroutine, at the same time as other callers' functions. The
// commit then checks that nothing the function read (a key, or a scanned
// range, present or absent) has been written since its snapshot; if
// something has, the function runs again inside the serial commit, as Update
// runs it. UpdateConcurrent keeps Update's whole contract: the transaction
// is serializable, durable on return, and fn may run more than once.
//
// It pays off when transactions are costly and mostly touch different keys;
// a key that every transaction reads and writes (a counter) would make them
// all conflict, and belongs in a function given to Defer.
type ConcurrentUpdater interface {
	UpdateConcurrent(ctx context.Context, fn func(tx RwTx) error) error
}

// UpdateConcurrent runs fn with s's UpdateConcurrent when s has one, and
// with s.Update otherwise.
func UpdateConcurrent(ctx context.Context, s Store, fn func(tx RwTx) error) error {
	if c, ok := s.(ConcurrentUpdater); ok {
		return c.UpdateConcurrent(ctx, fn)
	}
	return s.Update(ctx, fn)
}

// Deferrer is implemented by write transactions that can put off part of
// their work until their commit.
type Deferrer interface {
	// Defer registers fn to run in the same transaction after the
	// transaction's function has returned nil, in the order registered.
	// Under UpdateConcurrent it runs inside the serial commit, after the
	// function's reads were validated: what fn reads there is current, so
	// read-modify-writes of a key that every transaction touches do not
	// make the transactions conflict. An error from fn fails the
	// transaction. fn may run more than once.
	Defer(fn func(tx RwTx) error)
}

// Defer registers fn with tx's Defer when tx has one; otherwise it runs fn
// at once, which is equivalent for a transaction that runs serially.
func Defer(tx RwTx, fn func(tx RwTx) error) error {
	if d, ok := tx.(Deferrer); ok {
		d.Defer(fn)
		return nil
	}
	return fn(tx)
}
