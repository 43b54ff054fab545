/* Writing triples by name, atomically. */
#include "core/err.h"
#include "io/atomic_file.h"
#include "kg/kg.h"

int gr_kg_write(const gr_kg *kg, const char *path)
{
    if (!kg || !path) return gr_err(GR_EINVAL, "gr_kg_write: NULL argument");
    gr_afile f;
    GR_TRY(gr_afile_open(&f, path));
    const gr_kg_vocab *v = kg->vocab;
    for (size_t k = 0; k < kg->n; k++)
        gr_afile_printf(&f, "%s\t%s\t%s\n", v->ent.names[kg->h[k]], v->rel.names[kg->r[k]], v->ent.names[kg->t[k]]);
    return gr_afile_commit(&f);
}
