#include "fuzz_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnnrec.h>

static char dir[PATH_MAX];

/* Remove the files this process wrote, then its directory. */
static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) unlink(fz_path(e->d_name));
        closedir(d);
    }
    rmdir(dir);
}

const char *fz_dir(void)
{
    if (dir[0]) return dir;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/gnnrec-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        dir[0] = '\0';
        return NULL;
    }
    atexit(remove_dir);
    return dir;
}

const char *fz_path(const char *name)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", fz_dir() ? fz_dir() : "/nonexistent", name);
    return path;
}

const char *fz_write(const char *name, const uint8_t *data, size_t size)
{
    if (!fz_dir()) return NULL;
    const char *path = fz_path(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return NULL;
    size_t put = 0;
    while (put < size) {
        ssize_t n = write(fd, data + put, size - put);
        if (n <= 0) break;
        put += (size_t)n;
    }
    if (close(fd) != 0 || put != size) return NULL;
    return path;
}

static const uint8_t *find_sep(const uint8_t *p, const uint8_t *end)
{
    const size_t n = sizeof FZ_SEP - 1;
    for (; (size_t)(end - p) >= n; p++)
        if (memcmp(p, FZ_SEP, n) == 0) return p;
    return NULL;
}

void fz_write_set(const char *const *names, size_t n, const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    size_t k = 0;
    for (; k < n && p; k++) {
        const uint8_t *sep = k + 1 < n ? find_sep(p, end) : NULL;
        const uint8_t *stop = sep ? sep : end;
        fz_write(names[k], p, (size_t)(stop - p));
        p = sep ? sep + sizeof FZ_SEP - 1 : NULL;
    }
    for (; k < n; k++) unlink(fz_path(names[k]));
}

void fz_features(const gr_graph *g)
{
    const int types[2] = { GR_NODE_USER, GR_NODE_ITEM };
    for (int k = 0; k < 2; k++) {
        size_t dim, rows = types[k] == GR_NODE_USER ? gr_graph_num_users(g) : gr_graph_num_items(g);
        if (gr_features_dim(&dim, g, types[k]) != GR_OK || dim == 0 || rows > (1u << 20) / dim) continue;
        float *x = malloc(rows * dim * sizeof *x);
        if (x && gr_features_compute(x, rows, dim, g, types[k]) != GR_OK) fz_touch_error();
        free(x);
    }
}

unsigned long fz_loaded;

void fz_note_loaded(void) { fz_loaded++; }

void fz_touch_error(void)
{
    const char *msg = gr_last_error();
    volatile size_t len = msg ? strlen(msg) : 0;
    (void)len;
}
