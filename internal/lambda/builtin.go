package lambda

import (
	"context"
	"slices"
	"sync"
)

// BuiltinFunc is a function compiled into Hotline. It receives the event
// JSON (which it must not modify) and returns the response JSON; an error is
// a function error, as if a Lambda handler had raised it. It should return
// when ctx is done; the invoker stops waiting for it then in any case.
type BuiltinFunc func(ctx context.Context, event []byte) ([]byte, error)

var builtins struct {
	sync.RWMutex
	m map[string]BuiltinFunc
}

// RegisterBuiltin makes fn available to builtin bindings as name. Like
// http.Handle it panics on an empty name, a nil function or a name already
// taken: these are programming errors, found at start-up.
func RegisterBuiltin(name string, fn BuiltinFunc) {
	if name == "" || fn == nil {
		panic("lambda: RegisterBuiltin needs a name and a function")
	}
	builtins.Lock()
	defer builtins.Unlock()
	if builtins.m == nil {
		builtins.m = map[string]BuiltinFunc{}
	}
	if _, dup := builtins.m[name]; dup {
		panic("lambda: built-in function " + name + " registered twice")
	}
	builtins.m[name] = fn
}

// Builtins returns the registered names, sorted.
func Builtins() []string {
	builtins.RLock()
	defer builtins.RUnlock()
	names := make([]string, 0, len(builtins.m))
	for n := range builtins.m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func builtin(name string) (BuiltinFunc, bool) {
	builtins.RLock()
	defer builtins.RUnlock()
	fn, ok := builtins.m[name]
	return fn, ok
}
