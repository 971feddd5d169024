package timeout

import "fmt"

// PanicError is what ServeHTTP panics with when the handler panicked in its
// goroutine: the recovered value and that goroutine's stack, which the
// serving goroutine's own stack would not show. Its Error text includes the
// stack, so a recovery middleware that logs the value logs where the panic
// really happened.
type PanicError struct {
	Value any    // what the handler panicked with
	Stack []byte // the handler goroutine's stack, from debug.Stack
}

// Error describes the panic and its stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("timeout: handler panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns Value when it is an error, so errors.Is and errors.As see
// through to it.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
