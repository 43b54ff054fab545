/* Scoring by rows of an items x items matrix (item_rows.h). */
#include "models/item_rows.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/sorted.h"

void gr_item_rows_sum(const float *mat, size_t ni, const int32_t *items, size_t n, float *scores)
{
    memset(scores, 0, ni * sizeof *scores);
    for (size_t a = 0; a < n; a++) {
        const float *row = mat + (size_t)items[a] * ni;
        for (size_t j = 0; j < ni; j++) scores[j] += row[j];
    }
}

void gr_item_rows_users(const float *mat, const gr_graph *g, const int32_t *rows, size_t nb, float *scores)
{
    const gr_csr *ui = &g->ui;
    for (size_t c = 0; c < nb; c++) {
        size_t u = (size_t)rows[c];
        gr_item_rows_sum(mat, g->n_items, ui->col + ui->ptr[u], gr_csr_degree(ui, u), scores + c * g->n_items);
    }
}

int32_t *gr_item_rows_sorted(const int32_t *items, size_t n)
{
    int32_t *sorted = gr_alloc(n ? n : 1, sizeof *sorted);
    if (!sorted) return NULL;
    memcpy(sorted, items, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, gr_cmp_i32);
    return sorted;
}
