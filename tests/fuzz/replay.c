/*
 * A main() for the fuzz harnesses where libFuzzer is not linked (GCC, or
 * builds without -Dfuzz=true): runs LLVMFuzzerTestOneInput once on every
 * file named on the command line or found in a directory named there, so
 * seed corpora and saved crash inputs replay in the ordinary test suite
 * and under the sanitizers.  With --expect-loaded every input must load
 * (the harness calls fz_note_loaded()): seeds are valid files.
 */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_util.h"

static int expect_loaded;

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *grown = realloc(buf, cap *= 2);
            if (!grown) free(buf);
            buf = grown;
        }
    }
    fclose(f);
    if (!buf) return 1;
    unsigned long before = fz_loaded;
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    if (expect_loaded && fz_loaded == before) {
        fprintf(stderr, "replay: %s did not load\n", path);
        return 1;
    }
    return 0;
}

static int run_path(const char *path, size_t *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: no such file or directory: %s\n", path);
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
        ++*count;
        return run_file(path);
    }
    DIR *d = opendir(path);
    if (!d) return 1;
    int bad = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        bad |= run_path(sub, count);
    }
    closedir(d);
    return bad;
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--expect-loaded") == 0) {
        expect_loaded = 1;
        first = 2;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: %s [--expect-loaded] FILE|DIR...\n", argv[0]);
        return 2;
    }
    LLVMFuzzerInitialize(&argc, &argv);
    size_t count = 0;
    int bad = 0;
    for (int k = first; k < argc; k++) bad |= run_path(argv[k], &count);
    printf("%s: %zu inputs\n", argv[0], count);
    return bad || count == 0;
}
