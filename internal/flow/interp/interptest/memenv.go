// Package interptest owns helpers for tests and benchmarks of the flow
// engine: an Env that serves an instance's definitions from memory.
package interptest

import (
	"sync"

	"github.com/hotline-dev/hotline/internal/flow/interp"
)

// MemEnv is an instance's flows, modules, queues and hours read once
// through an Env (the server's) and then served from memory, so that a
// benchmark or test measures the engine and the simulator rather than store
// reads.
type MemEnv struct {
	interp.Env
	flows, modules, queues, hours sync.Map
}

// NewMemEnv wraps env.
func NewMemEnv(env interp.Env) *MemEnv { return &MemEnv{Env: env} }

func (e *MemEnv) Flow(ref string) (*interp.FlowDef, error) { return cached(&e.flows, ref, e.Env.Flow) }
func (e *MemEnv) Module(ref string) (*interp.FlowDef, error) {
	return cached(&e.modules, ref, e.Env.Module)
}
func (e *MemEnv) Queue(ref string) (*interp.Queue, error) { return cached(&e.queues, ref, e.Env.Queue) }
func (e *MemEnv) Hours(ref string) (*interp.Hours, error) { return cached(&e.hours, ref, e.Env.Hours) }

func cached[T any](m *sync.Map, ref string, load func(string) (*T, error)) (*T, error) {
	if v, ok := m.Load(ref); ok {
		return v.(*T), nil
	}
	v, err := load(ref)
	if err != nil {
		return nil, err
	}
	m.Store(ref, v)
	return v, nil
}
