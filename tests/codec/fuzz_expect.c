/*
 * fuzz_expect.c - the JSON corpus's own expectation, checked by the shared
 * replay driver (tests/fuzz/fuzz_replay.c, built with FUZZ_REPLAY_EXPECT)
 * after fuzz_json.c ran on each file: files named ok-<form>-* must parse
 * and bad-<form>-* must not, where <form> is item, value or doc.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ddb/av.h"
#include "ddb/error.h"
#include "ddb/json.h"
#include "json_internal.h"

int fuzz_replay_expect(const char *name, const uint8_t *data, size_t len);

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

int fuzz_replay_expect(const char *name, const uint8_t *data, size_t len)
{
    const char *text = (const char *)data;
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
