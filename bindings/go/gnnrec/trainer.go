package gnnrec

/*
#include <stdint.h>
#include <stdlib.h>
#include <gnnrec.h>
int gnnrec_go_set_progress(gr_trainer *t, uintptr_t id);
*/
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// Trainer holds the settings of one model kind.  Not for concurrent use.
type Trainer struct {
	ptr *C.gr_trainer
}

// Progress is what a progress function sees after each epoch.
type Progress struct {
	Epoch   int
	Loss    float64
	Seconds float64
	Valid   float64 // NDCG@eval_k on the validation graph; NaN when not evaluated
}

// Stat names a statistic of the last fit.
type Stat int

const (
	StatEpochs    Stat = C.GR_STAT_EPOCHS
	StatBestEpoch Stat = C.GR_STAT_BEST_EPOCH
	StatBestValid Stat = C.GR_STAT_BEST_VALID
	StatSeconds   Stat = C.GR_STAT_SECONDS
	StatLoss      Stat = C.GR_STAT_LOSS
	StatTrials    Stat = C.GR_STAT_TRIALS
)

// NewTrainer makes a trainer for "lightgcn", "mf", ... with its default settings.
func NewTrainer(kind string) (*Trainer, error) {
	c := C.CString(kind)
	defer C.free(unsafe.Pointer(c))
	var code C.int
	if err := call(func() C.int { return C.gr_model_kind_from_name(&code, c) }); err != nil {
		return nil, err
	}
	var out *C.gr_trainer
	if err := call(func() C.int { return C.gr_trainer_new(&out, code) }); err != nil {
		return nil, err
	}
	t := &Trainer{ptr: out}
	runtime.SetFinalizer(t, (*Trainer).Close)
	return t, nil
}

// Close frees the trainer.
func (t *Trainer) Close() {
	if t == nil {
		return
	}
	if t.ptr != nil {
		C.gr_trainer_free(t.ptr)
	}
	t.ptr = nil
	runtime.SetFinalizer(t, nil)
}

// Set sets a setting by name from any value that prints as the library
// expects: Set("dim", 64), Set("lr", 0.005), Set("mode", "paper").
func (t *Trainer) Set(name string, value interface{}) error {
	defer runtime.KeepAlive(t)
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	v := C.CString(fmt.Sprint(value))
	defer C.free(unsafe.Pointer(v))
	return call(func() C.int { return C.gr_trainer_set(t.ptr, n, v) })
}

// progress functions of running fits, by the id handed to C
var (
	progressMu  sync.Mutex
	progressFns = map[uintptr]func(Progress) bool{}
	progressID  uintptr
)

//export goProgress
func goProgress(id C.uintptr_t, epoch C.int, loss, seconds, valid C.double) C.int {
	progressMu.Lock()
	fn := progressFns[uintptr(id)]
	progressMu.Unlock()
	if fn != nil && fn(Progress{int(epoch), float64(loss), float64(seconds), float64(valid)}) {
		return 1
	}
	return 0
}

// Fit fits a new model to train.  With valid (may be nil) the best validated
// parameters are kept and training stops early; progress (may be nil) is
// called after every epoch and stops training by returning true (as a
// non-zero return of the C gr_progress_fn does); false goes on.
func (t *Trainer) Fit(train, valid *Graph, progress func(Progress) bool) (*Model, error) {
	defer runtime.KeepAlive(t)
	defer runtime.KeepAlive(train)
	defer runtime.KeepAlive(valid)
	if err := call(func() C.int { return C.gr_trainer_set_validation(t.ptr, valid.raw()) }); err != nil {
		return nil, err
	}
	var id uintptr
	if progress != nil {
		progressMu.Lock()
		progressID++
		id = progressID
		progressFns[id] = progress
		progressMu.Unlock()
		defer func() {
			progressMu.Lock()
			delete(progressFns, id)
			progressMu.Unlock()
		}()
	}
	C.gnnrec_go_set_progress(t.ptr, C.uintptr_t(id))
	defer C.gnnrec_go_set_progress(t.ptr, 0)
	defer C.gr_trainer_set_validation(t.ptr, nil)
	var out *C.gr_model
	if err := call(func() C.int { return C.gr_trainer_fit(&out, t.ptr, train.raw()) }); err != nil {
		return nil, err
	}
	return newModel(out), nil
}

// Stat reads a statistic of the last fit (NaN for StatBestValid without validation).
func (t *Trainer) Stat(s Stat) (float64, error) {
	defer runtime.KeepAlive(t)
	var v C.double
	err := call(func() C.int { return C.gr_trainer_stat(&v, t.ptr, C.int(s)) })
	return float64(v), err
}

// Validated reports whether the epoch was evaluated on the validation graph.
func (p Progress) Validated() bool { return !math.IsNaN(p.Valid) }
