#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *fx_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = malloc(4096);
    snprintf(tmpl, 4096, "%s/gnnrec-test-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpl));
    return tmpl;
}

void fx_rmtree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
}

char *fx_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *fx_write(const char *dir, const char *name, const char *text)
{
    char *p = fx_path(dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return p;
}

const char *fx_data_dir(const char *sub)
{
    static char buf[4096];
    const char *env = getenv("GNNREC_DATA");
    const char *base = env && *env ? env : GNNREC_SHARED_DATA;
    snprintf(buf, sizeof buf, "%s/%s", base, sub);
    struct stat st;
    if (stat(buf, &st) != 0) {
        printf("SKIP: %s not found (set GNNREC_DATA to the directory holding %s)\n", buf, sub);
        return NULL;
    }
    return buf;
}

int fx_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
