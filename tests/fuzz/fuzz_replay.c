/*
 * fuzz_replay.c - standalone driver for the fuzz targets of tests/fuzz/
 * (no libFuzzer): feeds every file of the given files or directories to
 * LLVMFuzzerTestOneInput, a directory's files in name order, each in a
 * buffer of exactly its size (so the sanitizers see a read past the end).
 * A broken invariant aborts inside the target; reaching the end means every
 * input held them. Built with FUZZ_REPLAY_EXPECT, it also asks the target's
 * fuzz_replay_expect whether what its file name promises holds (the JSON
 * corpus: tests/codec/fuzz_expect.c). Exit status 0 when at least one
 * input was replayed and nothing failed.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#ifdef FUZZ_REPLAY_EXPECT
/* 0 when the expectation the file's name states (if any) holds. */
int fuzz_replay_expect(const char *name, const uint8_t *data, size_t len);
#endif

/* The whole file in a malloc'ed buffer of exactly its length (NULL: unreadable). */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *data = NULL;
    size_t cap = 0;
    *len = 0;
    int ok = 1;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *p = realloc(data, cap);
            if (p == NULL) {
                ok = 0;
                break;
            }
            data = p;
        }
        size_t n = fread(data + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    ok = ok && !ferror(f);
    fclose(f);
    uint8_t *exact = ok ? malloc(*len != 0 ? *len : 1) : NULL;
    if (exact != NULL && *len != 0)
        memcpy(exact, data, *len);
    free(data);
    return exact;
}

static int replay_file(const char *path)
{
    size_t len = 0;
    uint8_t *data = read_file(path, &len);
    if (data == NULL) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    printf("%s (%zu bytes)\n", path, len);
    fflush(stdout); /* so that the log names the input an abort() stopped at */
    LLVMFuzzerTestOneInput(data, len);
    int failed = 0;
#ifdef FUZZ_REPLAY_EXPECT
    const char *slash = strrchr(path, '/');
    failed = fuzz_replay_expect(slash != NULL ? slash + 1 : path, data, len);
#endif
    free(data);
    return failed;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_dir(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "%s: cannot open\n", dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int failures = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *names);
            if (p == NULL) {
                failures++;
                break;
            }
            names = p;
        }
        if ((names[n] = strdup(e->d_name)) == NULL) {
            failures++;
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        failures += replay_file(path);
        free(names[i]);
    }
    free(names);
    *count += (int)n;
    return failures;
}

int main(int argc, char **argv)
{
    int failures = 0, count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            failures += replay_dir(argv[i], &count);
        } else {
            failures += replay_file(argv[i]);
            count++;
        }
    }
    printf("replayed %d inputs, %d failed (unreadable, or not as their name says)\n", count, failures);
    return failures == 0 && count > 0 ? 0 : 1;
}
