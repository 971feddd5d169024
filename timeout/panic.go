package timeout

import "fmt"

// PanicError is what ServeHTTP panics with when the handler panicked in its
// goroutine: the recovered value and that goroutine's stack, which the
// serving goroutine's own stack would not show. Its Error text is the value
// alone, so a record that logs both the error and a stack logs one stack:
// a recovery middleware should log Stack (package recovery does, through
// PanicStack) instead of its own, which only shows timeout's frames.
type PanicError struct {
	Value any    // what the handler panicked with
	Stack []byte // the handler goroutine's stack, from debug.Stack
}

// Error formats the panic value, as fmt.Sprint does; the stack is not in it.
func (e *PanicError) Error() string { return fmt.Sprint(e.Value) }

// PanicStack returns Stack. It is how package recovery, which imports
// nothing from timeout, finds the handler's stack: any panic value with
// this method is logged with that stack instead of recovery's own.
func (e *PanicError) PanicStack() []byte { return e.Stack }

// Unwrap returns Value when it is an error, so errors.Is and errors.As see
// through to it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
