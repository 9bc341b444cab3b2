package storemock

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"go.uber.org/mock/gomock"

	"volmatch"
)

// Faulty is a mock store that sends every call to Real, records the
// writes, and fails the calls a test chose (FailAt, FailCall).
type Faulty struct {
	*MockStore
	Real volmatch.Store

	mu     sync.Mutex
	writes []string       // the write calls made, in order (method names)
	counts map[string]int // calls per method
	fail   map[string]int // method -> the call (1-based) that fails
	failW  int            // the write (1-based, over all methods) that fails; 0 none
	err    error
	hooks  map[string]reflect.Value
}

// ErrInjected is the error of an injected failure: the store cannot be
// reached, as when Redis or the disk goes away in the middle of a flow.
var ErrInjected = volmatch.Errorf(volmatch.EUNAVAILABLE, "injected store failure")

// writeMethods are the prefixes of the Store methods that write.
var writeMethods = []string{"Create", "Update", "Put", "Delete", "Accept", "Decline", "Reserve", "Advance", "AppendEvents"}

// IsWrite reports whether the Store method writes records (the
// idempotency and job bookkeeping excluded: a flow's own writes).
func IsWrite(method string) bool {
	if strings.HasSuffix(method, "Idempotency") || strings.HasSuffix(method, "Job") {
		return false
	}
	for _, p := range writeMethods {
		if strings.HasPrefix(method, p) {
			return true
		}
	}
	return false
}

// New returns a Faulty over real with every method of volmatch.Store
// expected any number of times.
func New(ctrl *gomock.Controller, real volmatch.Store) *Faulty {
	f := &Faulty{MockStore: NewMockStore(ctrl), Real: real, counts: map[string]int{}, fail: map[string]int{}, err: ErrInjected,
		hooks: map[string]reflect.Value{}}
	st := reflect.TypeOf((*volmatch.Store)(nil)).Elem()
	rv := reflect.ValueOf(real)
	for i := range st.NumMethod() {
		m := st.Method(i)
		args := make([]any, m.Type.NumIn())
		for k := range args {
			args[k] = gomock.Any()
		}
		target := rv.MethodByName(m.Name)
		name, mt := m.Name, m.Type
		fn := reflect.MakeFunc(mt, func(in []reflect.Value) []reflect.Value {
			if f.failing(name) {
				out := make([]reflect.Value, mt.NumOut())
				for k := range out {
					out[k] = reflect.Zero(mt.Out(k))
				}
				out[len(out)-1] = reflect.ValueOf(&f.err).Elem()
				return out
			}
			call := target
			f.mu.Lock()
			if h, ok := f.hooks[name]; ok {
				call = h
			}
			f.mu.Unlock()
			if mt.IsVariadic() {
				return call.CallSlice(in)
			}
			return call.Call(in)
		})
		ctrl.RecordCallWithMethodType(f.MockStore, name, mt, args...).DoAndReturn(fn.Interface()).AnyTimes()
	}
	return f
}

// failing counts a call of method and reports whether it is to fail.
func (f *Faulty) failing(method string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.counts[method]++
	fail := f.fail[method] == f.counts[method]
	if IsWrite(method) {
		f.writes = append(f.writes, method)
		if f.failW == len(f.writes) {
			fail = true
		}
	}
	return fail
}

// FailCall makes the n-th call (1-based) of method fail with ErrInjected.
func (f *Faulty) FailCall(method string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = f.counts[method] + n
}

// FailAt makes the n-th write (1-based, counted from now over every write
// method) fail with ErrInjected.
func (f *Faulty) FailAt(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failW = len(f.writes) + n
}

// Fail sets the error the injected failures return (ErrInjected by
// default).
func (f *Faulty) Fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// Hook sends the calls of method to fn, a function of the method's type,
// instead of Real (fn may call Real itself: a slow or a lying store).
func (f *Faulty) Hook(method string, fn any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooks[method] = reflect.ValueOf(fn)
}

// Writes returns the write calls made so far, in order.
func (f *Faulty) Writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.writes...)
}

// Calls returns how many calls of method were made.
func (f *Faulty) Calls(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[method]
}

// String names the failure set up, for test messages.
func (f *Faulty) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fmt.Sprintf("write %d of %v", f.failW, f.writes)
}
