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
