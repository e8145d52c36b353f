/*
 * context_json.c - writes the template context ddbc builds for a schema as
 * JSON on stdout, so that tests/tmpl/real_templates.py can render the real
 * templates with Jinja2 from the same data and compare with ddbc's output.
 *
 * Usage: context_json SCHEMA.yaml > context.json   (exit 1 on schema errors)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "context.h"
#include "ddb/buf.h"
#include "ddb/json.h"
#include "tmpl_int.h"

/* Appends `v` as JSON; 0, or -1 for a value JSON cannot hold (a macro). */
static int write_value(ddb_buf *out, const tmpl_value *v)
{
    switch (v->kind) {
    case TMPL_NONE:
        return ddb_buf_puts(out, "null");
    case TMPL_BOOL:
        return ddb_buf_puts(out, v->u.b ? "true" : "false");
    case TMPL_INT:
        return ddb_buf_printf(out, "%lld", v->u.i);
    case TMPL_STR:
        return ddb_json_put_string(out, v->u.str.s, v->u.str.len);
    case TMPL_LIST:
        ddb_buf_putc(out, '[');
        for (size_t i = 0; i < v->u.list.len; i++) {
            if (i != 0)
                ddb_buf_putc(out, ',');
            if (write_value(out, v->u.list.items[i]) != 0)
                return -1;
        }
        return ddb_buf_putc(out, ']');
    case TMPL_DICT:
        ddb_buf_putc(out, '{');
        for (size_t i = 0; i < v->u.dict.len; i++) {
            if (i != 0)
                ddb_buf_putc(out, ',');
            ddb_json_put_string(out, v->u.dict.entries[i].key, v->u.dict.entries[i].key_len);
            ddb_buf_putc(out, ':');
            if (write_value(out, v->u.dict.entries[i].value) != 0)
                return -1;
        }
        return ddb_buf_putc(out, '}');
    case TMPL_MACRO:
        return -1;
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: context_json SCHEMA.yaml\n");
        return 2;
    }
    ddbc_diag diag = DDBC_DIAG_INIT;
    ddbc_schema *s = ddbc_schema_load(argv[1], &diag);
    const ddbc_schema *const one[] = {s};
    if (s != NULL)
        ddbc_schemas_check(one, 1, &diag);
    /* the file stem, as emit.c names the outputs */
    const char *slash = strrchr(argv[1], '/');
    char *base = strdup(slash != NULL ? slash + 1 : argv[1]);
    char *dot = base != NULL ? strrchr(base, '.') : NULL;
    if (dot != NULL)
        *dot = '\0';
    tmpl_value *vars = s != NULL && ddbc_diag_count(&diag) == 0 && base != NULL
                           ? ddbc_context_build(s, base, &diag)
                           : NULL;
    int rc = 1;
    ddb_buf out = DDB_BUF_INIT;
    if (vars != NULL && write_value(&out, vars) == 0) {
        fwrite(out.data, 1, out.len, stdout);
        rc = 0;
    }
    ddbc_diag_print(&diag, stderr);
    ddb_buf_free(&out);
    tmpl_value_free(vars);
    free(base);
    ddbc_schema_free(s);
    ddbc_diag_free(&diag);
    return rc;
}
