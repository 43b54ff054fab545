// Package gnnrec binds libgnnrec, graph-neural-network recommendation, with
// cgo.  The library is found with pkg-config (set PKG_CONFIG_PATH to the
// directory of gnnrec.pc when it is installed under a prefix).
//
// Handles are freed by Close (and, as a safety net, by a finalizer).
// Failures are *Error values carrying the library's status code and message.
// Graphs and models are immutable and safe to use from many goroutines.
package gnnrec

/*
#cgo pkg-config: gnnrec
#include <stdlib.h>
#include <gnnrec.h>
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Error is a failed library call.
type Error struct {
	Code    int    // a gr_status code (negative)
	Status  string // "GR_ENOTFOUND", ...
	Message string // what was wrong: file:line and field, the unknown id, ...
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%s)", e.Message, e.Status) }

// Is lets errors.Is(err, gnnrec.ErrNotFound) compare status codes.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrInvalid     = &Error{Code: -1, Status: "GR_EINVAL"}
	ErrIO          = &Error{Code: -3, Status: "GR_EIO"}
	ErrFormat      = &Error{Code: -4, Status: "GR_EFORMAT"}
	ErrRange       = &Error{Code: -5, Status: "GR_ERANGE"}
	ErrNotFound    = &Error{Code: -6, Status: "GR_ENOTFOUND"}
	ErrCorrupt     = &Error{Code: -7, Status: "GR_ECORRUPT"}
	ErrState       = &Error{Code: -9, Status: "GR_ESTATE"}
	ErrUnsupported = &Error{Code: -10, Status: "GR_EUNSUPPORTED"}
)

// call runs a library call and reads its error on the same OS thread: the
// library keeps the last error per thread, and goroutines move between
// threads between cgo calls.
func call(fn func() C.int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	status := fn()
	if status == C.GR_OK {
		return nil
	}
	return &Error{
		Code:    int(status),
		Status:  C.GoString(C.gr_status_name(status)),
		Message: C.GoString(C.gr_last_error()),
	}
}

// Version is the run-time library's version, "MAJOR.MINOR.PATCH".
func Version() string { return C.GoString(C.gr_version_string()) }

// VersionNumber is MAJOR*10000 + MINOR*100 + PATCH.
func VersionNumber() int { return int(C.gr_version()) }

// HeaderVersion is the version of the headers this package was compiled with.
const HeaderVersion = C.GR_VERSION_STRING

// SetNumThreads sets the threads of the library's parallel kernels; 0 restores the default.
func SetNumThreads(n int) error {
	return call(func() C.int { return C.gr_set_num_threads(C.int(n)) })
}

// SynthOptions are the settings of SynthWrite.
type SynthOptions struct {
	Users, Items, RatingsPerUser int
	ML1M                         bool // ML-1M files instead of ML-100K files
	Seed                         uint64
}

// DefaultSynthOptions are GR_SYNTH_OPTIONS_INIT's values.
func DefaultSynthOptions() SynthOptions {
	return SynthOptions{Users: 500, Items: 800, RatingsPerUser: 60, Seed: 42}
}

// SynthWrite writes a synthetic MovieLens-format dataset into dir.
func SynthWrite(dir string, o SynthOptions) error {
	cdir := C.CString(dir)
	defer C.free(unsafe.Pointer(cdir))
	format := C.int(C.GR_FORMAT_ML100K)
	if o.ML1M {
		format = C.GR_FORMAT_ML1M
	}
	opts := C.gr_synth_options{version: C.GR_SYNTH_OPTIONS_VERSION, users: C.size_t(o.Users), items: C.size_t(o.Items),
		ratings_per_user: C.size_t(o.RatingsPerUser), format: format, seed: C.uint64_t(o.Seed)}
	return call(func() C.int { return C.gr_synth_write(cdir, &opts) })
}
