/*
 * Helpers shared by the fuzz harnesses: the library's loaders take paths,
 * so each run writes its input into a private directory of this process
 * and loads from there.  Inputs that stand for several files (a MovieLens
 * directory, a triple file with its dictionaries) are split at FZ_SEP.
 */
#ifndef GR_FUZZ_UTIL_H
#define GR_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The line that separates the files of a file set. */
#define FZ_SEP "\n%% next file %%\n"

/* The libFuzzer entry points every harness defines. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* This process's directory for input files, made on first use and removed
 * at exit.  NULL when it cannot be made. */
const char *fz_dir(void);

/* fz_dir()/name in a static buffer (valid until the next call). */
const char *fz_path(const char *name);

/* Write size bytes to fz_dir()/name; returns its path (as fz_path) or NULL. */
const char *fz_write(const char *name, const uint8_t *data, size_t size);

/*
 * Write data as a file set: part k (split at FZ_SEP) goes to names[k]; the
 * last name takes the rest, separators included.  Names without a part
 * are removed, so a short input stands for a directory lacking files.
 */
void fz_write_set(const char *const *names, size_t n, const uint8_t *data, size_t size);

/* Harnesses call this when their main load of an input succeeded; the
 * replay main counts it, so seeds that stop loading fail the test. */
void fz_note_loaded(void);
extern unsigned long fz_loaded;

struct gr_graph;

/* The built-in node features of g's users and items (gr_features_compute),
 * which read the ratings, timestamps and demographics that were loaded. */
void fz_features(const struct gr_graph *g);

/* The library's error state is per thread; harnesses ignore its text but
 * read it, so that a message formatting bug shows up. */
void fz_touch_error(void);

#endif
