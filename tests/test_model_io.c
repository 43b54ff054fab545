/* Model files: round trip, metadata, corruption, truncation, versions, atomic saves. */
#include <fcntl.h>
#include <gnnrec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fixtures.h"
#include "io/crc32.h"
#include "io/model_file.h"
#include "models/model.h"

/* A generated MovieLens-format graph of these sizes, written into dir. */
static gr_graph *synth_graph(const char *dir, size_t users, size_t items, size_t per_user)
{
    gr_synth_options so = GR_SYNTH_OPTIONS_INIT;
    so.users = users;
    so.items = items;
    so.ratings_per_user = per_user;
    ck_assert_int_eq(gr_synth_write(dir, &so), GR_OK);
    gr_graph *g;
    ck_assert_int_eq(gr_graph_load(&g, dir, NULL), GR_OK);
    return g;
}

static gr_model *train_small(const char *dir, gr_graph **train_out)
{
    gr_graph *g = synth_graph(dir, 80, 120, 15);
    gr_trainer *t;
    ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_LIGHTGCN), GR_OK);
    gr_trainer_set(t, "epochs", "2");
    gr_trainer_set(t, "dim", "8");
    gr_trainer_set(t, "mode", "paper");
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    gr_trainer_free(t);
    *train_out = g;
    return m;
}

/* A small trained model saved as DIR/model.gnr, with its graph. */
typedef struct saved_model {
    char *dir, *path;
    gr_graph *g;
    gr_model *m;
} saved_model;

static saved_model save_small(void)
{
    saved_model s;
    s.dir = fx_tmpdir();
    s.m = train_small(s.dir, &s.g);
    s.path = fx_path(s.dir, "model.gnr");
    ck_assert_int_eq(gr_model_save(s.m, s.path), GR_OK);
    return s;
}

static void saved_free(saved_model *s)
{
    gr_model_free(s->m);
    gr_graph_free(s->g);
    free(s->path);
    fx_rmtree(s->dir);
    free(s->dir);
}

static void spit(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

START_TEST(round_trip_keeps_everything)
{
    saved_model s = save_small();
    gr_graph *g = s.g;
    gr_model *m = s.m;
    char *path = s.path;
    gr_model *r;
    ck_assert_int_eq(gr_model_load(&r, path), GR_OK);
    ck_assert_int_eq(gr_model_kind_of(r), GR_MODEL_LIGHTGCN);
    ck_assert_uint_eq(gr_model_dim(r), 8);
    ck_assert_int_eq(memcmp(m->user_vec, r->user_vec, m->n_users * m->dim * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(m->item_vec, r->item_vec, m->n_items * m->dim * sizeof(float)), 0);
    const gr_graph *rg = gr_model_graph(r);
    ck_assert_uint_eq(gr_graph_num_edges(rg), gr_graph_num_edges(g));
    ck_assert_uint_eq(gr_graph_num_genres(rg), gr_graph_num_genres(g));
    int64_t item;
    gr_graph_item_id(&item, g, 5);
    ck_assert_str_eq(gr_graph_item_title(rg, item), gr_graph_item_title(g, item));
    ck_assert_int_eq(gr_graph_item_year(rg, item), gr_graph_item_year(g, item));
    ck_assert_uint_eq(gr_graph_item_genres(rg, item), gr_graph_item_genres(g, item));
    int64_t user;
    gr_graph_user_id(&user, g, 3);
    int age1, age2;
    char g1, g2;
    const char *o1, *o2;
    ck_assert_int_eq(gr_graph_user_info(g, user, &age1, &g1, &o1), GR_OK);
    ck_assert_int_eq(gr_graph_user_info(rg, user, &age2, &g2, &o2), GR_OK);
    ck_assert_int_eq(age1, age2);
    ck_assert_int_eq(g1, g2);
    ck_assert_str_eq(o1, o2);
    double epochs;
    ck_assert_int_eq(gr_model_info(&epochs, r, "epochs"), GR_OK);
    ck_assert_double_eq(epochs, 2);
    /* the same recommendations, and the same fold-in */
    int64_t a[10], b[10];
    float sa[10], sb[10];
    size_t na, nb;
    ck_assert_int_eq(gr_model_recommend(&na, m, user, 10, NULL, a, sa), GR_OK);
    ck_assert_int_eq(gr_model_recommend(&nb, r, user, 10, NULL, b, sb), GR_OK);
    ck_assert_uint_eq(na, nb);
    ck_assert_int_eq(memcmp(a, b, na * sizeof *a), 0);
    float fa[8], fb[8];
    ck_assert_int_eq(gr_model_fold_in(fa, 8, m, a, 3), GR_OK);
    ck_assert_int_eq(gr_model_fold_in(fb, 8, r, a, 3), GR_OK);
    ck_assert_int_eq(memcmp(fa, fb, sizeof fa), 0);
    gr_model_free(r);
    saved_free(&s);
}
END_TEST

/* A graph whose every rating is 1 holds no rating column; its model file
 * is what it was with one (the ratings written when the input had them),
 * and a loaded model reads the same ratings back. */
START_TEST(ratings_of_one_round_trip)
{
    enum { N = 60 };
    int64_t u[N], it[N];
    float ones[N];
    for (int k = 0; k < N; k++) u[k] = k % 12, it[k] = 100 + (k * 7) % 19, ones[k] = 1.0f;
    for (int with = 0; with < 2; with++) {
        gr_graph *g;
        ck_assert_int_eq(gr_graph_from_edges(&g, u, it, with ? ones : NULL, NULL, N, 0), GR_OK);
        ck_assert_ptr_null(g->ui.val);
        ck_assert_ptr_null(g->iu.val);
        ck_assert_int_eq(gr_graph_has_ratings(g), with);
        gr_trainer *t;
        ck_assert_int_eq(gr_trainer_new(&t, GR_MODEL_MF), GR_OK);
        gr_trainer_set(t, "epochs", "1");
        gr_trainer_set(t, "dim", "4");
        gr_model *m;
        ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
        char *dir = fx_tmpdir(), *path = fx_path(dir, "ones.gnr");
        ck_assert_int_eq(gr_model_save(m, path), GR_OK);
        gr_model *r;
        ck_assert_int_eq(gr_model_load(&r, path), GR_OK);
        const gr_graph *rg = gr_model_graph(r);
        const size_t n = gr_graph_num_edges(g);
        ck_assert_uint_eq(gr_graph_num_edges(rg), n);
        ck_assert_int_eq(gr_graph_has_ratings(rg), with);
        float ra[N], rb[N];
        ck_assert_int_eq(gr_graph_edges(g, NULL, NULL, ra, NULL, n), GR_OK);
        ck_assert_int_eq(gr_graph_edges(rg, NULL, NULL, rb, NULL, n), GR_OK);
        for (size_t k = 0; k < n; k++) ck_assert(ra[k] == 1.0f && rb[k] == 1.0f);
        /* loaded without ratings: no column; with them: the ones read */
        ck_assert(with ? rg->ui.val != NULL : rg->ui.val == NULL);
        gr_model_free(r);
        gr_model_free(m);
        gr_trainer_free(t);
        gr_graph_free(g);
        fx_rmtree(dir);
        free(path);
        free(dir);
    }
}
END_TEST

START_TEST(damaged_files_are_rejected)
{
    saved_model s = save_small();
    char *path = s.path, *bad = fx_path(s.dir, "bad.gnr");
    size_t n;
    unsigned char *b = fx_read_bytes(path, &n);
    gr_model *r = NULL;
    /* truncated anywhere */
    size_t cuts[] = { 0, 5, 8, 23, 24, 40, n / 3, n / 2, n - 25, n - 1 };
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        spit(bad, b, cuts[c]);
        int rc = gr_model_load(&r, bad);
        ck_assert_msg(rc == GR_ECORRUPT || rc == GR_EFORMAT, "cut at %zu gave %d", cuts[c], rc);
        ck_assert_ptr_null(r);
        ck_assert_ptr_nonnull(strstr(gr_last_error(), "bad.gnr"));
    }
    /* a flipped bit anywhere past the magic */
    size_t flips[] = { 9, 30, n / 4, n / 2, 3 * n / 4, n - 3 };
    for (size_t c = 0; c < sizeof flips / sizeof flips[0]; c++) {
        b[flips[c]] ^= 0x10;
        spit(bad, b, n);
        ck_assert_int_eq(gr_model_load(&r, bad), GR_ECORRUPT);
        b[flips[c]] ^= 0x10;
    }
    /* trailing garbage */
    unsigned char *longer = malloc(n + 4);
    memcpy(longer, b, n);
    memcpy(longer + n, "junk", 4);
    spit(bad, longer, n + 4);
    ck_assert_int_eq(gr_model_load(&r, bad), GR_ECORRUPT);
    free(longer);
    /* not a model file */
    spit(bad, (const unsigned char *)"user item\n1 2 3\n", 16);
    ck_assert_int_eq(gr_model_load(&r, bad), GR_EFORMAT);
    /* a later format version, with a valid header checksum */
    b[8] = 2;
    uint32_t crc = gr_crc32(0, b, 20);
    memcpy(b + 20, &crc, 4);
    spit(bad, b, n);
    ck_assert_int_eq(gr_model_load(&r, bad), GR_EVERSION);
    ck_assert_int_eq(gr_model_load(&r, "/no/such/model.gnr"), GR_EIO);
    ck_assert_int_eq(gr_model_load(NULL, path), GR_EINVAL);
    free(b);
    free(bad);
    saved_free(&s);
}
END_TEST

/* The descriptors this process has open. */
static int open_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++) n += fcntl(fd, F_GETFD) != -1;
    return n;
}

/*
 * A model of many times the reader's buffer (ids, titles and vectors read
 * by offset, small reads crossing the buffer's edges, large ones straight
 * into the tables) loads as it was saved, and neither a load nor a
 * refused one leaves its file open.
 */
START_TEST(files_larger_than_the_read_buffer_load_whole)
{
    char *dir = fx_tmpdir();
    gr_graph *g = synth_graph(dir, 1500, 30000, 40);
    gr_trainer *t = fx_trainer(GR_MODEL_MF, "epochs", "1", "dim", "24", "threads", "1", NULL);
    gr_model *m;
    ck_assert_int_eq(gr_trainer_fit(&m, t, g), GR_OK);
    char *path = fx_path(dir, "big.gnr");
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_gt(st.st_size, 8 * GR_READER_BUF);
    const int fds = open_fds();
    gr_model *r;
    ck_assert_int_eq(gr_model_load(&r, path), GR_OK);
    ck_assert_int_eq(open_fds(), fds);
    ck_assert_uint_eq(r->n_items, m->n_items);
    ck_assert_int_eq(memcmp(m->user_vec, r->user_vec, m->n_users * m->dim * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(m->item_vec, r->item_vec, m->n_items * m->dim * sizeof(float)), 0);
    const gr_graph *rg = gr_model_graph(r);
    ck_assert_uint_eq(gr_graph_num_items(rg), gr_graph_num_items(g));
    for (size_t i = 0; i < gr_graph_num_items(g); i++) {
        int64_t a, b;
        ck_assert_int_eq(gr_graph_item_id(&a, g, i), GR_OK);
        ck_assert_int_eq(gr_graph_item_id(&b, rg, i), GR_OK);
        ck_assert_int_eq(a, b);
        ck_assert_str_eq(gr_graph_item_title(rg, a), gr_graph_item_title(g, a));
    }
    gr_model_free(r);
    /* a damaged copy is refused, its file closed */
    size_t n;
    unsigned char *b = fx_read_bytes(path, &n);
    b[n / 2] ^= 0x01;
    char *bad = fx_write_bytes(dir, "bad.gnr", b, n);
    r = NULL;
    ck_assert_int_eq(gr_model_load(&r, bad), GR_ECORRUPT);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(open_fds(), fds);
    free(b);
    free(bad);
    gr_model_free(m);
    gr_trainer_free(t);
    gr_graph_free(g);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* A file written in place after it was checked (cp onto it) is caught
 * once read: what was read may mix two versions.  Replacing it by a
 * rename is not a change to the file being read. */
START_TEST(files_written_while_read_are_refused)
{
    saved_model s = save_small();
    char *path = s.path;
    /* a time long past, so that any write moves it */
    const struct timespec past[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
    for (int how = 0; how < 3; how++) {
        ck_assert_int_eq(utimensat(AT_FDCWD, path, past, 0), 0);
        gr_reader r;
        ck_assert_int_eq(gr_reader_open(&r, path), GR_OK);
        if (how == 1) {
            /* the same byte written back: the bytes are equal, the file was written */
            FILE *f = fopen(path, "r+b");
            ck_assert_ptr_nonnull(f);
            ck_assert_int_eq(fseek(f, 30, SEEK_SET), 0);
            int c = fgetc(f);
            ck_assert_int_eq(fseek(f, 30, SEEK_SET), 0);
            ck_assert_int_ne(fputc(c, f), EOF);
            ck_assert_int_eq(fclose(f), 0);
        } else if (how == 2) {
            ck_assert_int_eq(gr_model_save(s.m, path), GR_OK);
        }
        int rc = gr_reader_unchanged(&r);
        ck_assert_int_eq(rc, (how == 1 ? GR_EIO : GR_OK));
        if (how == 1) ck_assert_ptr_nonnull(strstr(gr_last_error(), "written while it was being read"));
        gr_reader_close(&r);
    }
    gr_model *back;
    ck_assert_int_eq(gr_model_load(&back, path), GR_OK);
    gr_model_free(back);
    saved_free(&s);
}
END_TEST

START_TEST(saving_replaces_atomically)
{
    char *dir = fx_tmpdir();
    gr_graph *g;
    gr_model *m = train_small(dir, &g);
    char *path = fx_write(dir, "model.gnr", "previous content\n");
    /* a failed save leaves the previous file and no temporary behind */
    char *nodir = fx_path(dir, "missing/model.gnr");
    ck_assert_int_eq(gr_model_save(m, nodir), GR_EIO);
    ck_assert_int_eq(gr_model_save(NULL, path), GR_EINVAL);
    size_t n;
    unsigned char *b = fx_read_bytes(path, &n);
    ck_assert_uint_eq(n, 17);
    free(b);
    ck_assert_int_eq(gr_model_save(m, path), GR_OK);
    gr_model *r;
    ck_assert_int_eq(gr_model_load(&r, path), GR_OK);
    gr_model_free(r);
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | grep -c tmp) -eq 0", dir);
    ck_assert_int_eq(system(cmd), 0);
    /* a new file gets 0666 less the umask, as any file the process makes,
     * and the umask stays as it was */
    const mode_t masks[] = { 022, 027, 077 };
    for (size_t q = 0; q < 3; q++) {
        mode_t old = umask(masks[q]);
        char *fresh = fx_path(dir, "fresh.gnr");
        unlink(fresh);
        ck_assert_int_eq(gr_model_save(m, fresh), GR_OK);
        struct stat st;
        ck_assert_int_eq(stat(fresh, &st), 0);
        ck_assert_msg((st.st_mode & 0777) == (0666 & ~masks[q]), "umask %03o: mode %03o", (unsigned)masks[q],
                      (unsigned)(st.st_mode & 0777));
        ck_assert_uint_eq(umask(old), masks[q]);
        free(fresh);
    }
    gr_model_free(m);
    gr_graph_free(g);
    free(nodir);
    free(path);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* A model is a regular file: a directory, a FIFO or a device is an I/O
 * error naming the path (never an attempt to read its "size"). */
START_TEST(only_regular_files_load_as_models)
{
    char *dir = fx_tmpdir();
    gr_model *r = NULL;
    ck_assert_int_eq(gr_model_load(&r, dir), GR_EIO);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(gr_last_error(), dir) && strstr(gr_last_error(), "directory"), "%s", gr_last_error());
    char *fifo = fx_path(dir, "fifo.gnr");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(gr_model_load(&r, fifo), GR_EIO); /* without waiting for a writer */
    ck_assert_msg(strstr(gr_last_error(), fifo) && strstr(gr_last_error(), "not a regular file"), "%s", gr_last_error());
    ck_assert_int_eq(gr_model_load(&r, "/dev/null"), GR_EIO);
    ck_assert_msg(strstr(gr_last_error(), "/dev/null: not a regular file"), "%s", gr_last_error());
    ck_assert_ptr_null(r);
    free(fifo);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

/* What `path` is: 'l' link, 'p' FIFO, 'c' character device, 'd'
 * directory, 'f' regular file, '-' nothing. */
static char kind_of(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return '-';
    return S_ISLNK(st.st_mode) ? 'l' : S_ISFIFO(st.st_mode) ? 'p' : S_ISCHR(st.st_mode) ? 'c' : S_ISDIR(st.st_mode) ? 'd' : 'f';
}

/* Saving refuses to replace anything but a regular file: a symbolic link
 * stays a link and its target is untouched, a FIFO, a device or a
 * directory stays what it is.  Every writer goes through the same
 * atomic file. */
START_TEST(saving_replaces_only_regular_files)
{
    char *dir = fx_tmpdir();
    gr_graph *g;
    gr_model *m = train_small(dir, &g);
    char *target = fx_write(dir, "target.gnr", "previous content\n");
    char *link = fx_path(dir, "link.gnr"), *dangling = fx_path(dir, "dangling.gnr");
    char *fifo = fx_path(dir, "fifo.gnr"), *dev = fx_path(dir, "null.gnr"), *sub = fx_path(dir, "sub");
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_int_eq(symlink("nowhere.gnr", dangling), 0);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    /* a device node can be made only with the privilege to do so */
    int have_dev = mknod(dev, S_IFCHR | 0600, makedev(1, 3)) == 0;
    struct {
        const char *path, *says;
        char kind;
    } cases[] = {
        { link, "symbolic link", 'l' }, { dangling, "symbolic link", 'l' }, { fifo, "not a regular file", 'p' },
        { sub, "directory", 'd' },      { dev, "not a regular file", 'c' },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        if (cases[k].kind == 'c' && !have_dev) continue;
        ck_assert_int_eq(gr_model_save(m, cases[k].path), GR_EIO);
        ck_assert_msg(strstr(gr_last_error(), cases[k].path) && strstr(gr_last_error(), cases[k].says), "%s", gr_last_error());
        ck_assert_int_eq(kind_of(cases[k].path), cases[k].kind);
        ck_assert_int_eq(gr_graph_write(g, cases[k].path, GR_FORMAT_ML100K), GR_EIO);
        ck_assert_int_eq(kind_of(cases[k].path), cases[k].kind);
    }
    size_t n;
    unsigned char *b = fx_read_bytes(target, &n);
    ck_assert_uint_eq(n, 17);
    free(b);
    char *nowhere = fx_path(dir, "nowhere.gnr");
    ck_assert_int_eq(kind_of(nowhere), '-');
    free(nowhere);
    /* no temporary file is left behind */
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "test $(ls '%s' | grep -c tmp) -eq 0", dir);
    ck_assert_int_eq(system(cmd), 0);
    /* the link's target itself is replaced as usual */
    ck_assert_int_eq(gr_model_save(m, target), GR_OK);
    gr_model *r;
    ck_assert_int_eq(gr_model_load(&r, link), GR_OK); /* reading follows links */
    gr_model_free(r);
    gr_model_free(m);
    gr_graph_free(g);
    free(target);
    free(link);
    free(dangling);
    free(fifo);
    free(dev);
    free(sub);
    fx_rmtree(dir);
    free(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("model_io");
    TCase *tc = tcase_create("model_io");
    tcase_add_test(tc, round_trip_keeps_everything);
    tcase_add_test(tc, ratings_of_one_round_trip);
    tcase_add_test(tc, damaged_files_are_rejected);
    tcase_add_test(tc, files_larger_than_the_read_buffer_load_whole);
    tcase_add_test(tc, files_written_while_read_are_refused);
    tcase_add_test(tc, saving_replaces_atomically);
    tcase_add_test(tc, only_regular_files_load_as_models);
    tcase_add_test(tc, saving_replaces_only_regular_files);
    suite_add_tcase(s, tc);
    return fx_run(s);
}
