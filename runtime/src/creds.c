/*
 * creds.c - credentials and the providers that find them: fixed keys, the
 * environment, the shared credentials/config files, and the default chain
 * (environment, then shared files).
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/creds.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ddb/buf.h"
#include "ddb/error.h"
#include "creds_internal.h"

/* ---- credential values --------------------------------------------------- */

void ddb_creds_wipe_free(char *s)
{
    if (s != NULL) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void ddb_creds_buf_wipe(ddb_buf *b)
{
    if (b->data != NULL)
        OPENSSL_cleanse(b->data, b->cap);
}

void ddb_creds_buf_wipe_free(ddb_buf *b)
{
    ddb_creds_buf_wipe(b);
    ddb_buf_free(b);
}

void ddb_credentials_clear(ddb_credentials *c)
{
    if (c == NULL)
        return;
    free(c->access_key_id);
    ddb_creds_wipe_free(c->secret_access_key);
    ddb_creds_wipe_free(c->session_token);
    *c = (ddb_credentials)DDB_CREDENTIALS_INIT;
}

/* *dst = copy of src (NULL stays NULL). */
static int dup_field(char **dst, const char *src)
{
    *dst = src != NULL ? strdup(src) : NULL;
    if (src != NULL && *dst == NULL)
        return ddb_error_set(DDB_ENOMEM, "out of memory copying credentials");
    return 0;
}

/* Fills an empty `dst` with copies; an empty token counts as none. On
 * failure `dst` is left empty. */
int ddb_credentials_set(ddb_credentials *dst, const char *akid, const char *secret, const char *token,
                        int64_t expiration)
{
    int rc = dup_field(&dst->access_key_id, akid);
    if (rc == 0)
        rc = dup_field(&dst->secret_access_key, secret);
    if (rc == 0)
        rc = dup_field(&dst->session_token, token != NULL && *token != '\0' ? token : NULL);
    dst->expiration = expiration;
    if (rc != 0)
        ddb_credentials_clear(dst);
    return rc;
}

int ddb_credentials_copy(ddb_credentials *dst, const ddb_credentials *src)
{
    if (dst == NULL || src == NULL)
        return ddb_error_set(DDB_EINVAL, "ddb_credentials_copy: NULL argument");
    return ddb_credentials_set(dst, src->access_key_id, src->secret_access_key, src->session_token, src->expiration);
}

/* ---- providers: common parts --------------------------------------------- */

void ddb_credentials_provider_free(ddb_credentials_provider *p)
{
    if (p != NULL && p->destroy != NULL)
        p->destroy(p);
}

/* A zeroed provider object of `size` bytes whose first member is the
 * ddb_credentials_provider; NULL when out of memory (recorded). */
void *ddb_creds_provider_alloc(size_t size, int (*get)(ddb_credentials_provider *, ddb_credentials *),
                            void (*destroy)(ddb_credentials_provider *))
{
    ddb_credentials_provider *p = calloc(1, size);
    if (p == NULL) {
        ddb_error_set(DDB_ENOMEM, "out of memory creating a credentials provider");
        return NULL;
    }
    p->get = get;
    p->destroy = destroy;
    return p;
}

static void plain_destroy(ddb_credentials_provider *self)
{
    free(self);
}

int ddb_creds_check_out(ddb_credentials_provider **out)
{
    if (out == NULL)
        return ddb_error_set(DDB_EINVAL, "credentials provider: NULL out parameter");
    *out = NULL;
    return 0;
}

/* The variable's value, or NULL when it is unset or empty. */
static const char *env_value(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? v : NULL;
}

/* ---- static keys --------------------------------------------------------- */

typedef struct static_provider {
    ddb_credentials_provider base;
    ddb_credentials creds;
} static_provider;

static int static_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    return ddb_credentials_copy(out, &((static_provider *)self)->creds);
}

static void static_destroy(ddb_credentials_provider *self)
{
    ddb_credentials_clear(&((static_provider *)self)->creds);
    free(self);
}

int ddb_creds_static_new(ddb_credentials_provider **out, const char *access_key_id, const char *secret_access_key,
                         const char *session_token)
{
    int rc = ddb_creds_check_out(out);
    if (rc != 0)
        return rc;
    if (access_key_id == NULL || *access_key_id == '\0' || secret_access_key == NULL || *secret_access_key == '\0')
        return ddb_error_set(DDB_EINVAL, "static credentials need an access key id and a secret access key");
    static_provider *p = ddb_creds_provider_alloc(sizeof *p, static_get, static_destroy);
    if (p == NULL)
        return DDB_ENOMEM;
    rc = ddb_credentials_set(&p->creds, access_key_id, secret_access_key, session_token, 0);
    if (rc != 0) {
        free(p);
        return rc;
    }
    *out = &p->base;
    return 0;
}

/* ---- environment --------------------------------------------------------- */

static int env_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    (void)self;
    const char *akid = env_value("AWS_ACCESS_KEY_ID");
    const char *secret = env_value("AWS_SECRET_ACCESS_KEY");
    if (akid == NULL && secret == NULL)
        return ddb_error_set(DDB_ECREDENTIALS, "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
    if (akid == NULL || secret == NULL)
        return ddb_error_set(DDB_ECONFIG, "environment: %s is set but %s is not",
                             akid != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                             akid != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    return ddb_credentials_set(out, akid, secret, env_value("AWS_SESSION_TOKEN"), 0);
}

int ddb_creds_env_new(ddb_credentials_provider **out)
{
    int rc = ddb_creds_check_out(out);
    if (rc == 0) {
        *out = ddb_creds_provider_alloc(sizeof **out, env_get, plain_destroy);
        rc = *out != NULL ? 0 : DDB_ENOMEM;
    }
    return rc;
}

/* ---- shared files: locating ---------------------------------------------- */

/* One shared file. The path is empty when it cannot be located (HOME
 * unset); `label` is what messages show. */
typedef struct shared_file {
    ddb_buf path;
    const char *label;
    bool config; /* config file: "[profile NAME]" sections */
} shared_file;

/* Where one lookup reads: the profile name and both files. */
typedef struct shared_files {
    const char *profile;
    shared_file creds, config;
} shared_files;

static int locate_file(shared_file *f, const char *env_var, const char *home_relative, bool config)
{
    const char *path = env_value(env_var);
    const char *home = env_value("HOME");
    ddb_buf_init(&f->path);
    f->config = config;
    int rc = 0;
    if (path != NULL && strncmp(path, "~/", 2) != 0)
        rc = ddb_buf_puts(&f->path, path);
    else if (home != NULL)
        rc = ddb_buf_printf(&f->path, "%s/%s", home, path != NULL ? path + 2 : home_relative);
    f->label = f->path.len > 0 ? f->path.data
               : config        ? "~/.aws/config (HOME is not set)"
                               : "~/.aws/credentials (HOME is not set)";
    return rc;
}

static void shared_files_free(shared_files *f)
{
    ddb_buf_free(&f->creds.path);
    ddb_buf_free(&f->config.path);
}

/* Resolves the profile (explicit, $AWS_PROFILE, "default") and both paths. */
static int shared_files_locate(shared_files *f, const char *profile)
{
    const char *env_profile = env_value("AWS_PROFILE");
    f->profile = profile != NULL ? profile : env_profile != NULL ? env_profile : "default";
    int rc = locate_file(&f->creds, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials", false);
    int rc2 = locate_file(&f->config, "AWS_CONFIG_FILE", ".aws/config", true);
    if (rc == 0)
        rc = rc2;
    if (rc != 0)
        shared_files_free(f);
    return rc;
}

/* ---- shared files: reading ----------------------------------------------- */

/* Reads a whole file; a file that does not exist is not an error (*exists
 * false). */
int ddb_creds_read_file(const char *path, ddb_buf *text, bool *exists)
{
    *exists = false;
    if (*path == '\0')
        return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return errno == ENOENT || errno == ENOTDIR
                   ? 0
                   : ddb_error_set(DDB_EIO, "cannot open %s: %s", path, strerror(errno));
    *exists = true;
    char chunk[4096];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = ddb_buf_append(text, chunk, n);
    if (rc == 0 && ferror(f))
        rc = ddb_error_set(DDB_EIO, "cannot read %s: %s", path, strerror(errno));
    fclose(f);
    return rc;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *end = '\0';
    return s;
}

/* Values of `keys` in the section of one profile of one file. Values are
 * malloc'ed (NULL when absent); the owner wipes them with wipe_free. */
typedef struct ini_query {
    const shared_file *file;
    const char *profile;
    const char *const *keys;
    char **values;
    size_t n_keys;
    bool profile_seen; /* the file has a section for the profile */
} ini_query;

/* Parser position: in a section? in the profile's? after a key (so that
 * indented lines continue its value, as in "s3 =\n  max_concurrency = 2")? */
typedef struct ini_state {
    unsigned line_no;
    bool in_section, in_profile, after_key;
} ini_state;

static int ini_error(const ini_query *q, const ini_state *st, const char *what)
{
    return ddb_error_set(DDB_ECONFIG, "%s:%u: %s", q->file->label, st->line_no, what);
}

/* Does section header `name` ("[...]" contents, trimmed) belong to the profile? */
static bool section_is_profile(const ini_query *q, char *name)
{
    if (!q->file->config || strcmp(name, "default") == 0)
        return strcmp(name, q->profile) == 0;
    size_t n = strlen("profile");
    if (strncmp(name, "profile", n) != 0 || (name[n] != ' ' && name[n] != '\t'))
        return false;
    return strcmp(trim(name + n), q->profile) == 0;
}

static int store_value(ini_query *q, const char *key, const char *value)
{
    for (size_t i = 0; i < q->n_keys; i++) {
        if (strcasecmp(key, q->keys[i]) == 0) {
            ddb_creds_wipe_free(q->values[i]);
            q->values[i] = strdup(value);
            if (q->values[i] == NULL)
                return ddb_error_set(DDB_ENOMEM, "out of memory reading %s", q->file->label);
        }
    }
    return 0;
}

static int ini_line(ini_query *q, ini_state *st, char *raw)
{
    bool indented = raw[0] == ' ' || raw[0] == '\t';
    char *line = trim(raw);
    if (*line == '\0' || *line == '#' || *line == ';' || (indented && st->after_key))
        return 0;
    if (*line == '[') {
        size_t len = strlen(line);
        if (line[len - 1] != ']')
            return ini_error(q, st, "section header without a closing ']'");
        line[len - 1] = '\0';
        st->in_section = true;
        st->after_key = false;
        st->in_profile = section_is_profile(q, trim(line + 1));
        q->profile_seen |= st->in_profile;
        return 0;
    }
    char *delim = line + strcspn(line, "=:");
    if (*delim == '\0')
        return ini_error(q, st, "expected \"key = value\", \"[section]\" or a comment");
    *delim = '\0';
    char *key = trim(line);
    if (*key == '\0')
        return ini_error(q, st, "a value without a key");
    if (!st->in_section)
        return ini_error(q, st, "a key before any [section]");
    st->after_key = true;
    return st->in_profile ? store_value(q, key, trim(delim + 1)) : 0;
}

static int ini_lookup(ini_query *q)
{
    ddb_buf text = DDB_BUF_INIT;
    bool exists;
    int rc = ddb_creds_read_file(ddb_buf_cstr(&q->file->path), &text, &exists);
    ini_state st = {0};
    char *end = text.data != NULL ? text.data + text.len : NULL;
    for (char *line = text.data; rc == 0 && exists && line != NULL && line < end;) {
        char *next = memchr(line, '\n', (size_t)(end - line));
        size_t len = (size_t)((next != NULL ? next : end) - line);
        if (next != NULL)
            *next++ = '\0';
        st.line_no++;
        /* a NUL would end the line early: the rest of it (a key's value) unseen */
        rc = memchr(line, '\0', len) != NULL ? ini_error(q, &st, "a NUL byte") : ini_line(q, &st, line);
        line = next;
    }
    if (text.data != NULL)
        OPENSSL_cleanse(text.data, text.len);
    ddb_buf_free(&text);
    return rc;
}

static const char *const credential_keys[] = {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"};

/* Credentials of the profile in one file: *found tells whether it had them. */
static int creds_from_file(const shared_files *f, const shared_file *file, ddb_credentials *out, bool *seen,
                           bool *found)
{
    char *values[3] = {NULL, NULL, NULL};
    ini_query q = {file, f->profile, credential_keys, values, 3, false};
    int rc = ini_lookup(&q);
    *seen |= q.profile_seen;
    for (size_t i = 0; i < 3; i++) { /* "key =" with nothing after it: as absent (as in the environment) */
        if (values[i] != NULL && values[i][0] == '\0') {
            free(values[i]);
            values[i] = NULL;
        }
    }
    if (rc == 0 && (values[0] != NULL) != (values[1] != NULL))
        rc = ddb_error_set(DDB_ECONFIG, "%s: profile \"%s\" has %s but no %s", file->label, f->profile,
                           credential_keys[values[0] == NULL], credential_keys[values[0] != NULL]);
    *found = rc == 0 && values[0] != NULL;
    if (*found)
        rc = ddb_credentials_set(out, values[0], values[1], values[2], 0);
    for (size_t i = 0; i < 3; i++)
        ddb_creds_wipe_free(values[i]);
    return rc;
}

/* The credentials file first, then the config file (as the AWS CLI does). */
static int creds_from_shared_files(const shared_files *f, ddb_credentials *out)
{
    bool seen = false, found = false;
    int rc = creds_from_file(f, &f->creds, out, &seen, &found);
    if (rc == 0 && !found)
        rc = creds_from_file(f, &f->config, out, &seen, &found);
    if (rc == 0 && !found)
        rc = ddb_error_set(DDB_ECREDENTIALS, "shared files: profile \"%s\" %s in %s or %s", f->profile,
                           seen ? "has no aws_access_key_id/aws_secret_access_key" : "not found", f->creds.label,
                           f->config.label);
    return rc;
}

char *ddb_shared_config_get(const char *profile, const char *key)
{
    shared_files f;
    if (key == NULL) {
        ddb_error_set(DDB_EINVAL, "ddb_shared_config_get: NULL key");
        return NULL;
    }
    if (shared_files_locate(&f, profile) != 0)
        return NULL;
    char *value = NULL;
    ini_query q = {&f.config, f.profile, &key, &value, 1, false};
    int rc = ini_lookup(&q);
    if (rc == 0 && value == NULL) {
        q.file = &f.creds;
        rc = ini_lookup(&q);
    }
    shared_files_free(&f);
    if (rc != 0) {
        ddb_creds_wipe_free(value);
        return NULL;
    }
    return value;
}

/* ---- shared files: the provider ------------------------------------------ */

/* What a file looked like when it was read; any change means re-read. */
typedef struct file_stamp {
    bool exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
} file_stamp;

static file_stamp stamp_of(const shared_file *file)
{
    struct stat st;
    file_stamp s = {false, 0, 0, 0, {0, 0}};
    if (file->path.len > 0 && stat(file->path.data, &st) == 0)
        s = (file_stamp){true, st.st_dev, st.st_ino, st.st_size, st.st_mtim};
    return s;
}

static bool same_stamp(const file_stamp *a, const file_stamp *b)
{
    return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

typedef struct profile_provider {
    ddb_credentials_provider base;
    char *profile; /* NULL: $AWS_PROFILE or "default", at each get() */
    unsigned depth;   /* source_profile hops that led here */
    bool static_only; /* the profile's own keys only (source_profile = itself) */
    pthread_mutex_t lock;
    /* The last successful read, and what it was read from. */
    bool cached;
    ddb_buf source; /* "profile\ncredentials path\nconfig path" */
    file_stamp stamps[2];
    ddb_credentials creds;
} profile_provider;

static int describe_source(ddb_buf *out, const shared_files *f)
{
    return ddb_buf_printf(out, "%s\n%s\n%s", f->profile, ddb_buf_cstr(&f->creds.path), ddb_buf_cstr(&f->config.path));
}

/* Is the cache still what the files say? Caller holds the lock. */
static bool cache_fresh(const profile_provider *p, const ddb_buf *source, const file_stamp stamps[2])
{
    return p->cached && p->source.len == source->len && memcmp(p->source.data, source->data, source->len) == 0 &&
           same_stamp(&p->stamps[0], &stamps[0]) && same_stamp(&p->stamps[1], &stamps[1]);
}

/* Reads the files again into the cache. Caller holds the lock. */
static int cache_reload(profile_provider *p, const shared_files *f, ddb_buf *source, const file_stamp stamps[2])
{
    ddb_credentials fresh = DDB_CREDENTIALS_INIT;
    int rc = creds_from_shared_files(f, &fresh);
    ddb_credentials_clear(&p->creds);
    p->cached = rc == 0;
    if (rc == 0) {
        p->creds = fresh;
        ddb_buf tmp = p->source;
        p->source = *source;
        *source = tmp;
        p->stamps[0] = stamps[0];
        p->stamps[1] = stamps[1];
    }
    return rc;
}

/* Settings of a profile that say where its credentials come from. */
enum { S_ROLE_ARN, S_SOURCE_PROFILE, S_CREDENTIAL_SOURCE, S_WEB_IDENTITY_FILE, S_SESSION_NAME, S_EXTERNAL_ID,
       S_DURATION, S_REGION, S_PROCESS, S_COUNT };
static const char *const setting_keys[S_COUNT] = {
    "role_arn", "source_profile", "credential_source", "web_identity_token_file", "role_session_name",
    "external_id", "duration_seconds", "region", "credential_process"};

/* The profile's settings, the config file's first, then the credentials
 * file's for those it lacks. */
static int profile_settings(const shared_files *f, char *values[S_COUNT])
{
    ini_query q = {&f->config, f->profile, setting_keys, values, S_COUNT, false};
    int rc = ini_lookup(&q);
    char *more[S_COUNT] = {NULL};
    ini_query q2 = {&f->creds, f->profile, setting_keys, more, S_COUNT, false};
    if (rc == 0)
        rc = ini_lookup(&q2);
    for (size_t i = 0; i < S_COUNT; i++) {
        if (values[i] == NULL) {
            values[i] = more[i];
            more[i] = NULL;
        }
        ddb_creds_wipe_free(more[i]);
    }
    return rc;
}

static int profile_new(ddb_credentials_provider **out, const char *profile, unsigned depth, bool static_only);

/* Where a role profile's own credentials come from: source_profile (its
 * own keys when it names itself; chained roles when it has a role too) or
 * credential_source. */
static int role_source(ddb_credentials_provider **src, const profile_provider *p, const shared_files *f,
                       char *const v[S_COUNT])
{
    if (v[S_SOURCE_PROFILE] != NULL) {
        bool self_ref = strcmp(v[S_SOURCE_PROFILE], f->profile) == 0;
        if (!self_ref && p->depth >= 8)
            return ddb_error_set(DDB_ECONFIG, "profile \"%s\": more than 8 source_profile hops (a cycle?)",
                                 f->profile);
        return profile_new(src, v[S_SOURCE_PROFILE], p->depth + 1, self_ref);
    }
    const char *cs = v[S_CREDENTIAL_SOURCE];
    if (cs == NULL)
        return ddb_error_set(DDB_ECONFIG, "profile \"%s\" has role_arn but no source_profile, "
                                          "credential_source or web_identity_token_file",
                             f->profile);
    if (strcmp(cs, "Environment") == 0)
        return ddb_creds_env_new(src);
    if (strcmp(cs, "Ec2InstanceMetadata") == 0)
        return ddb_creds_imds_new(src);
    if (strcmp(cs, "EcsContainer") == 0)
        return ddb_creds_container_new(src);
    return ddb_error_set(DDB_ECONFIG, "profile \"%s\": credential_source \"%.40s\" is not Environment, "
                                      "Ec2InstanceMetadata or EcsContainer",
                         f->profile, cs);
}

/* A role profile: STS AssumeRole (or AssumeRoleWithWebIdentity) with
 * credentials from its source; nothing cached here (the client caches
 * until the role's credentials near their expiration). */
static int role_get(const profile_provider *p, const shared_files *f, char *const v[S_COUNT],
                    ddb_credentials *out)
{
    ddb_credentials_provider *role = NULL;
    int rc = 0;
    if (v[S_WEB_IDENTITY_FILE] != NULL) {
        rc = ddb_creds_web_identity_new(&role, v[S_ROLE_ARN], v[S_WEB_IDENTITY_FILE], v[S_SESSION_NAME],
                                        v[S_REGION], NULL);
    } else {
        long duration = 0;
        char *end = NULL;
        if (v[S_DURATION] != NULL && ((duration = strtol(v[S_DURATION], &end, 10)) < 900 || duration > 43200 ||
                                      *end != '\0'))
            return ddb_error_set(DDB_ECONFIG, "profile \"%s\": duration_seconds \"%.20s\" is not 900..43200",
                                 f->profile, v[S_DURATION]);
        ddb_credentials_provider *src = NULL;
        rc = role_source(&src, p, f, v);
        ddb_assume_role_opts o = DDB_ASSUME_ROLE_OPTS_INIT;
        o.role_arn = v[S_ROLE_ARN];
        o.session_name = v[S_SESSION_NAME];
        o.external_id = v[S_EXTERNAL_ID];
        o.duration_s = (int)duration;
        o.region = v[S_REGION];
        if (rc == 0)
            rc = ddb_creds_assume_role_new(&role, src, &o);
    }
    if (rc == 0)
        rc = role->get(role, out);
    ddb_credentials_provider_free(role);
    return rc;
}

static int profile_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    profile_provider *p = (profile_provider *)self;
    shared_files f;
    int rc = shared_files_locate(&f, p->profile);
    if (rc != 0)
        return rc;
    if (!p->static_only) {
        char *v[S_COUNT] = {NULL};
        rc = profile_settings(&f, v);
        bool handled = rc != 0 || v[S_ROLE_ARN] != NULL;
        if (rc == 0 && v[S_ROLE_ARN] != NULL)
            rc = role_get(p, &f, v, out);
        else if (rc == 0 && v[S_PROCESS] != NULL) {
            /* keys written in the files win over a process (as the AWS CLI) */
            rc = creds_from_shared_files(&f, out);
            if (rc == DDB_ECREDENTIALS) {
                ddb_credentials_provider *proc = NULL;
                rc = ddb_creds_process_new(&proc, v[S_PROCESS]);
                if (rc == 0)
                    rc = proc->get(proc, out);
                ddb_credentials_provider_free(proc);
            }
            handled = true;
        }
        for (size_t i = 0; i < S_COUNT; i++)
            ddb_creds_wipe_free(v[i]);
        if (handled) {
            shared_files_free(&f);
            return rc;
        }
    }
    ddb_buf source = DDB_BUF_INIT;
    rc = describe_source(&source, &f);
    pthread_mutex_lock(&p->lock);
    file_stamp stamps[2] = {stamp_of(&f.creds), stamp_of(&f.config)};
    if (rc == 0 && !cache_fresh(p, &source, stamps))
        rc = cache_reload(p, &f, &source, stamps);
    if (rc == 0)
        rc = ddb_credentials_copy(out, &p->creds);
    pthread_mutex_unlock(&p->lock);
    ddb_buf_free(&source);
    shared_files_free(&f);
    return rc;
}

static void profile_destroy(ddb_credentials_provider *self)
{
    profile_provider *p = (profile_provider *)self;
    pthread_mutex_destroy(&p->lock);
    ddb_credentials_clear(&p->creds);
    ddb_buf_free(&p->source);
    free(p->profile);
    free(p);
}

int ddb_creds_profile_new(ddb_credentials_provider **out, const char *profile)
{
    return profile_new(out, profile, 0, false);
}

static int profile_new(ddb_credentials_provider **out, const char *profile, unsigned depth, bool static_only)
{
    int rc = ddb_creds_check_out(out);
    if (rc != 0)
        return rc;
    profile_provider *p = ddb_creds_provider_alloc(sizeof *p, profile_get, profile_destroy);
    if (p == NULL)
        return DDB_ENOMEM;
    p->depth = depth;
    p->static_only = static_only;
    p->profile = profile != NULL ? strdup(profile) : NULL;
    bool copied = profile == NULL || p->profile != NULL;
    if (!copied || pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p->profile);
        free(p);
        return ddb_error_set(DDB_ENOMEM, "out of memory creating a shared-files credentials provider");
    }
    *out = &p->base;
    return 0;
}

/* ---- the default chain --------------------------------------------------- */

/* AWS's order: environment, web identity (from the environment), shared
 * files (keys, roles, credential_process), container, instance metadata. */
enum { CHAIN_LINKS = 5 };

typedef struct chain_provider {
    ddb_credentials_provider base;
    ddb_credentials_provider *links[CHAIN_LINKS];
} chain_provider;

/* The first link that has credentials answers; a link that fails otherwise
 * (malformed file, partial environment) stops the chain. */
static int chain_get(ddb_credentials_provider *self, ddb_credentials *out)
{
    chain_provider *c = (chain_provider *)self;
    ddb_buf tried = DDB_BUF_INIT; /* what each link said */
    int rc = DDB_ECREDENTIALS;
    for (size_t i = 0; i < CHAIN_LINKS && rc == DDB_ECREDENTIALS; i++) {
        rc = c->links[i]->get(c->links[i], out);
        if (rc == DDB_ECREDENTIALS && ddb_buf_printf(&tried, "%s%s", i > 0 ? "; " : "", ddb_last_error()->message) != 0)
            rc = DDB_ENOMEM;
    }
    if (rc == DDB_ECREDENTIALS)
        ddb_error_set(rc, "no AWS credentials found: %s", ddb_buf_cstr(&tried));
    ddb_buf_free(&tried);
    return rc;
}

static void chain_destroy(ddb_credentials_provider *self)
{
    chain_provider *c = (chain_provider *)self;
    for (size_t i = 0; i < CHAIN_LINKS; i++)
        ddb_credentials_provider_free(c->links[i]);
    free(c);
}

int ddb_creds_default_chain_new(ddb_credentials_provider **out)
{
    int rc = ddb_creds_check_out(out);
    if (rc != 0)
        return rc;
    chain_provider *c = ddb_creds_provider_alloc(sizeof *c, chain_get, chain_destroy);
    if (c == NULL)
        return DDB_ENOMEM;
    rc = ddb_creds_env_new(&c->links[0]);
    if (rc == 0)
        rc = ddb_creds_web_identity_new(&c->links[1], NULL, NULL, NULL, NULL, NULL);
    if (rc == 0)
        rc = ddb_creds_profile_new(&c->links[2], NULL);
    if (rc == 0)
        rc = ddb_creds_container_new(&c->links[3]);
    if (rc == 0)
        rc = ddb_creds_imds_new(&c->links[4]);
    if (rc != 0) {
        chain_destroy(&c->base);
        return rc;
    }
    *out = &c->base;
    return 0;
}
