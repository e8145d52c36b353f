/*
 * fuzz_replay.c - standalone driver for fuzz_json.c: feeds every file of
 * the given files or directories to LLVMFuzzerTestOneInput, in name order.
 * Files named ok-<form>-* must parse and bad-<form>-* must not, where
 * <form> is item, value or doc. Exit status 0 when all expectations hold.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ddb/av.h"
#include "ddb/error.h"
#include "ddb/json.h"
#include "json_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *data = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 4096;
            char *p = realloc(data, cap);
            if (p == NULL)
                break;
            data = p;
        }
        size_t n = fread(data + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    return data;
}

/* 0 when parsing `text` in `form` succeeds, else the error code. */
static int parse_as(const char *form, const char *text, size_t len)
{
    if (strcmp(form, "doc") == 0) {
        static const char *const paths[] = {"Item", "Items[]", NULL};
        ddb_jdoc *doc = NULL;
        int rc = ddb_jdoc_parse(text, len, paths, &doc);
        ddb_jdoc_free(doc);
        return rc;
    }
    ddb_av *v = NULL;
    int rc = strcmp(form, "item") == 0 ? ddb_item_parse_json(&v, text, len) : ddb_av_parse_json(&v, text, len);
    ddb_av_free(v);
    return rc;
}

/* Checks the ok-/bad- expectation of a file name; 0 when it holds. */
static int expectation(const char *name, const char *text, size_t len)
{
    static const char *const forms[] = {"item", "value", "doc"};
    for (int want_ok = 0; want_ok <= 1; want_ok++) {
        for (size_t i = 0; i < 3; i++) {
            char prefix[16];
            snprintf(prefix, sizeof prefix, "%s-%s-", want_ok ? "ok" : "bad", forms[i]);
            if (strncmp(name, prefix, strlen(prefix)) != 0)
                continue;
            int rc = parse_as(forms[i], text, len);
            if ((rc == 0) == (want_ok == 1))
                return 0;
            fprintf(stderr, "%s: expected %s, got %d (%s)\n", name, want_ok ? "success" : "failure", rc,
                    rc != 0 ? ddb_last_error()->message : "");
            return 1;
        }
    }
    return 0;
}

static int replay_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    char *text = read_file(path, &len);
    if (text == NULL) {
        fprintf(stderr, "%s: cannot read\n", path);
        return 1;
    }
    LLVMFuzzerTestOneInput((const uint8_t *)text, len);
    int failed = expectation(name, text, len);
    free(text);
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
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *names);
            if (p == NULL)
                break;
            names = p;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        failures += replay_file(dir, names[i]);
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
            const char *slash = strrchr(argv[i], '/');
            char dir[4096];
            snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - argv[i]) : 1, slash ? argv[i] : ".");
            failures += replay_file(dir, slash ? slash + 1 : argv[i]);
            count++;
        }
    }
    printf("replayed %d inputs, %d failed expectations\n", count, failures);
    return failures == 0 && count > 0 ? 0 : 1;
}
