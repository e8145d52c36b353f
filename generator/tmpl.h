/*
 * tmpl.h - the Jinja-like template engine of ddbc.
 *
 * Renders a documented subset of Jinja2 (see docs/templates.md): output
 * `{{ expr | filter }}`, `{% if %}`, `{% for %}`, `{% set %}`, `{% macro %}`,
 * `{% include %}`, comments and whitespace control, with Jinja's
 * `trim_blocks` and `lstrip_blocks` always on. Undefined values are strict:
 * using one is an error, except under the `default` filter and the
 * `defined` / `undefined` tests.
 *
 * Values. A template context is a tree of tmpl_value: none, booleans,
 * integers, strings, lists and insertion-ordered dicts. Values are reference
 * counted; every constructor returns a new reference owned by the caller,
 * which releases it with tmpl_value_free() or by handing it to a container
 * (tmpl_list_push, tmpl_dict_set), which takes it over. Value trees must not
 * contain cycles.
 *
 * Errors. Constructors return NULL when out of memory. Container functions
 * return 0 or a negative DDB_E* code (also recorded as the ddb last error,
 * see ddb/error.h). Rendering errors are reported as one line,
 * "template:line:col: error: message" (lines and columns are 1-based, columns
 * count bytes); an error with no position in a template reads
 * "template: error: message".
 *
 * Thread safety. Building a value tree is not synchronised: one thread
 * builds it. A finished tree may then be read, and rendered, by several
 * threads at once (reference counts are atomic; rendering never modifies a
 * caller's values). An environment is not synchronised: use one per thread.
 */
#ifndef DDBC_TMPL_H
#define DDBC_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "ddb/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tmpl_value tmpl_value;

/* A string value holding a copy of the NUL-terminated `s`. */
tmpl_value *tmpl_str(const char *s);
/* A string value taking over `s`, a malloc'ed NUL-terminated string; `s` is
 * freed even when this fails (returns NULL). */
tmpl_value *tmpl_str_own(char *s);
tmpl_value *tmpl_int(long long v);
tmpl_value *tmpl_bool(bool v);
tmpl_value *tmpl_none(void);
/* An empty list. */
tmpl_value *tmpl_list(void);
/* An empty dict; iteration follows insertion order. */
tmpl_value *tmpl_dict(void);

/* Appends `v` to `list`, taking ownership of `v` even on failure, so
 * `tmpl_list_push(l, tmpl_str("x"))` never leaks. Returns 0, DDB_EINVAL when
 * `list` is not a list or `v` is NULL (a failed constructor), or DDB_ENOMEM. */
int tmpl_list_push(tmpl_value *list, tmpl_value *v);

/* Binds `key` (copied) to `v` in `dict`, replacing (and releasing) any
 * previous value while keeping the key's original position. Takes ownership
 * of `v` even on failure. Returns 0, DDB_EINVAL when `dict` is not a dict or
 * `key` or `v` is NULL, or DDB_ENOMEM. */
int tmpl_dict_set(tmpl_value *dict, const char *key, tmpl_value *v);

/* The value bound to `key`, borrowed from `dict` (valid while the dict holds
 * it), or NULL when absent or when `dict` is not a dict. */
const tmpl_value *tmpl_dict_get(const tmpl_value *dict, const char *key);

/* A new reference to `v` (the same value, shared, not copied), to store one
 * value in several containers. Release it like any other reference. */
tmpl_value *tmpl_value_ref(const tmpl_value *v);

/* Releases one reference; the value (and, recursively, its items) is freed
 * with the last one. NULL is a no-op. */
void tmpl_value_free(tmpl_value *v);

typedef struct tmpl_env tmpl_env;

/* Returns the text of template `name` and stores its length in `*len`, or
 * returns NULL when there is no such template. The text is borrowed: it must
 * stay valid and unchanged for the lifetime of the environment. It need not
 * be NUL-terminated. */
typedef const char *(*tmpl_loader_fn)(void *ctx, const char *name, size_t *len);

/* A rendering environment: loads templates through `loader` (called with
 * `ctx`) and caches each parsed template by name. Returns NULL when out of
 * memory. Free with tmpl_env_free (NULL is a no-op). */
/*
 * Appends the body of a C string literal for `len` bytes of `s` (the
 * c_string filter): pure ASCII; \\ \" \n \t; other control and non-ASCII
 * bytes as three-digit octal escapes (which cannot swallow a following
 * digit); "??" as "?\?" so no trigraph forms. 0 or non-zero on ENOMEM.
 */
int tmpl_c_string(ddb_buf *out, const char *s, size_t len);

/*
 * Appends `len` bytes of `s` as text for inside a C comment, a block or a
 * line comment (the c_comment filter), on one line: control characters
 * (newlines among them), the line separators and the bidirectional controls
 * become spaces, and bytes that are not UTF-8 '?'; a space splits every
 * '*' '/' and '/' '*' pair and every trigraph ("??" before one of
 * = / ' ( ) ! < > -); blanks at the end are dropped, and a backslash at
 * the end gets a '.' after it, so it cannot splice the next line. The text
 * is safe with a space on each side in a comment. 0 or non-zero on ENOMEM.
 */
int tmpl_c_comment(ddb_buf *out, const char *s, size_t len);

tmpl_env *tmpl_env_new(tmpl_loader_fn loader, void *ctx);
void tmpl_env_free(tmpl_env *env);

/*
 * The work one tmpl_render may do, in units: one for every expression
 * evaluated and statement run, the size of a loop iteration's values, one
 * for every byte of text made or compared (output, literals, `~`, `+`,
 * filters, `==`, `in`) and sizeof(pointer) for every list item made. A
 * render that would do more fails ("rendering needs more than N units of
 * work"), so a template cannot make the engine run or grow without end (a
 * string doubled in a loop, a macro calling itself twice). 0 restores the
 * default, TMPL_DEFAULT_WORK_LIMIT (2^28; ddbc's templates take about
 * twice their output: 5 million for a schema of 500 attributes).
 * docs/templates.md, "Limits", has the details.
 */
#define TMPL_DEFAULT_WORK_LIMIT ((size_t)1 << 28)
void tmpl_env_set_work_limit(tmpl_env *env, size_t units);

/*
 * Renders template `name` with the variables of the dict `vars` (borrowed;
 * NULL means none) and appends the output to `out`. Returns 0, or -1 with
 * `out` unchanged and a one-line message in `err` (truncated to `err_size`
 * bytes, always NUL-terminated; `err` may be NULL when `err_size` is 0),
 * e.g. "model.h.j2:12:7: error: unknown filter 'uper'". The output is a pure
 * function of the templates and `vars`.
 */
int tmpl_render(tmpl_env *env, const char *name, const tmpl_value *vars, ddb_buf *out, char *err,
                size_t err_size);

#ifdef __cplusplus
}
#endif

#endif /* DDBC_TMPL_H */
