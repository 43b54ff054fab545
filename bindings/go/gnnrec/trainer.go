package gnnrec

/*
#include <stdint.h>
#include <stdlib.h>
#include <gnnrec.h>
int gnnrec_go_set_progress(gr_trainer *t, uintptr_t id);
int gnnrec_go_set_trial(gr_trainer *t, uintptr_t id);
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
	ptr   *C.gr_trainer
	trial func(Trial) bool
}

// Trial is one trial of a budget's settings search, or of a
// training-free kind's validation grid, as a trial function sees it.
type Trial struct {
	Number    int
	Settings  map[string]float64 // the searched settings' values
	Valid     float64            // the trial's validation figure; NaN when none
	BestEpoch int                // 0 for the training-free kinds
	Seconds   float64            // since the fit began
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

// progress and trial functions of running fits, by the id handed to C
var (
	progressMu  sync.Mutex
	progressFns = map[uintptr]func(Progress) bool{}
	trialFns    = map[uintptr]func(Trial) bool{}
	progressID  uintptr
)

//export goTrial
func goTrial(id C.uintptr_t, trial C.int, n C.size_t, names **C.char, values *C.double, valid C.double, bestEpoch C.int,
	seconds C.double) C.int {
	progressMu.Lock()
	fn := trialFns[uintptr(id)]
	progressMu.Unlock()
	if fn == nil {
		return 0
	}
	settings := map[string]float64{}
	ns := unsafe.Slice(names, int(n))
	vs := unsafe.Slice(values, int(n))
	for k := range ns {
		settings[C.GoString(ns[k])] = float64(vs[k])
	}
	if fn(Trial{int(trial), settings, float64(valid), int(bestEpoch), float64(seconds)}) {
		return 1
	}
	return 0
}

// SetTrialFunc makes the fits of this trainer call fn after every trial of
// a settings search (a "budget"), or of a training-free kind's validation
// grid; fn returning true ends the search with the best settings so far.
// nil removes it.
func (t *Trainer) SetTrialFunc(fn func(Trial) bool) {
	t.trial = fn
}

// SetCheckpoint makes fits write their state to path every everyEpochs
// epochs and when they end; a fit that finds the file resumes from it.
// An empty path removes the checkpoint.
func (t *Trainer) SetCheckpoint(path string, everyEpochs int) error {
	defer runtime.KeepAlive(t)
	var c *C.char
	if path != "" {
		c = C.CString(path)
		defer C.free(unsafe.Pointer(c))
	}
	return call(func() C.int { return C.gr_trainer_set_checkpoint(t.ptr, c, C.int(everyEpochs)) })
}

// withCallbacks runs fit with the progress function and the trainer's
// trial function installed.
func (t *Trainer) withCallbacks(progress func(Progress) bool, fit func() error) error {
	var id uintptr
	if progress != nil || t.trial != nil {
		progressMu.Lock()
		progressID++
		id = progressID
		if progress != nil {
			progressFns[id] = progress
		}
		if t.trial != nil {
			trialFns[id] = t.trial
		}
		progressMu.Unlock()
		defer func() {
			progressMu.Lock()
			delete(progressFns, id)
			delete(trialFns, id)
			progressMu.Unlock()
		}()
	}
	if progress != nil {
		C.gnnrec_go_set_progress(t.ptr, C.uintptr_t(id))
		defer C.gnnrec_go_set_progress(t.ptr, 0)
	}
	if t.trial != nil {
		C.gnnrec_go_set_trial(t.ptr, C.uintptr_t(id))
		defer C.gnnrec_go_set_trial(t.ptr, 0)
	}
	return fit()
}

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
	defer C.gr_trainer_set_validation(t.ptr, nil)
	var out *C.gr_model
	err := t.withCallbacks(progress, func() error {
		return call(func() C.int { return C.gr_trainer_fit(&out, t.ptr, train.raw()) })
	})
	if err != nil {
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
