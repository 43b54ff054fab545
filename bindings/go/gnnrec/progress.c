/* The C side of Trainer progress callbacks: cgo cannot take the address of
 * an exported Go function as a C function pointer of another signature. */
#include <gnnrec.h>
#include <stdint.h>

#include "_cgo_export.h"

static int trampoline(void *user_data, int epoch, double loss, double seconds, double valid)
{
    return goProgress((uintptr_t)user_data, epoch, loss, seconds, valid);
}

int gnnrec_go_set_progress(gr_trainer *t, uintptr_t id)
{
    return gr_trainer_set_progress(t, id ? trampoline : NULL, (void *)id);
}

static int trial_trampoline(void *user_data, int trial, size_t n, const char *const *names, const double *values,
                            double valid, int best_epoch, double seconds)
{
    return goTrial((uintptr_t)user_data, trial, n, (char **)names, (double *)values, valid, best_epoch, seconds);
}

int gnnrec_go_set_trial(gr_trainer *t, uintptr_t id)
{
    return gr_trainer_set_trial_callback(t, id ? trial_trampoline : NULL, (void *)id);
}
