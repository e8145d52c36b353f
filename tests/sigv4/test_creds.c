/*
 * test_creds.c - credential values and providers: static keys, the
 * environment, the shared credentials/config files (written to a temporary
 * directory; the AWS_* variables and HOME are set per test), the default
 * chain and ddb_shared_config_get.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ddb/creds.h"
#include "ddb/error.h"

static char tmp_dir[256];

/* $tmp_dir/<name> in a static buffer (one at a time). */
static const char *tmp_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    return path;
}

static const char *write_file(const char *name, const char *text)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *const created[] = {"credentials", "config", "home/.aws/credentials", "home/.aws/config",
                                      "home/.aws",   "home",   "process.sh",            "token"};

static int make_tmp_dir(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/ddb-creds-XXXXXX", base != NULL ? base : "/tmp");
    return mkdtemp(tmp_dir) != NULL ? 0 : -1;
}

static int remove_tmp_dir(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof created / sizeof created[0]; i++)
        remove(tmp_path(created[i]));
    return rmdir(tmp_dir);
}

/* Every test starts from: no AWS_* variables, HOME = an empty directory,
 * the shared files pointed at $tmp_dir/credentials and $tmp_dir/config
 * (written empty). */
static int clean_env(void **state)
{
    (void)state;
    static const char *const vars[] = {"AWS_ACCESS_KEY_ID",
                                       "AWS_SECRET_ACCESS_KEY",
                                       "AWS_SESSION_TOKEN",
                                       "AWS_PROFILE",
                                       "AWS_ROLE_ARN",
                                       "AWS_WEB_IDENTITY_TOKEN_FILE",
                                       "AWS_ROLE_SESSION_NAME",
                                       "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                                       "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                                       "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                       "AWS_EC2_METADATA_SERVICE_ENDPOINT"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1); /* this machine may have a metadata service */
    mkdir(tmp_path("home"), 0700);
    setenv("HOME", tmp_path("home"), 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", write_file("credentials", ""), 1);
    setenv("AWS_CONFIG_FILE", write_file("config", ""), 1);
    ddb_error_clear();
    return 0;
}

static void assert_message_has(const char *part)
{
    if (strstr(ddb_last_error()->message, part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", ddb_last_error()->message, part);
}

/* get() from `p`, expecting success with these keys (token may be NULL). */
static void expect_keys(ddb_credentials_provider *p, const char *akid, const char *secret, const char *token)
{
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    int rc = p->get(p, &c);
    if (rc != 0)
        fail_msg("get failed: %s: %s", ddb_code_name(rc), ddb_last_error()->message);
    assert_string_equal(c.access_key_id, akid);
    assert_string_equal(c.secret_access_key, secret);
    if (token == NULL)
        assert_null(c.session_token);
    else
        assert_string_equal(c.session_token, token);
    assert_int_equal(c.expiration, 0);
    ddb_credentials_clear(&c);
}

/* get() from `p`, expecting `code` and a message containing `part`. */
static void expect_failure(ddb_credentials_provider *p, int code, const char *part)
{
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    int rc = p->get(p, &c);
    if (rc != code)
        fail_msg("expected %s, got %s: %s", ddb_code_name(code), ddb_code_name(rc), ddb_last_error()->message);
    assert_int_equal(ddb_last_error()->code, code);
    assert_message_has(part);
    assert_null(c.access_key_id);
    assert_null(c.secret_access_key);
}

static ddb_credentials_provider *profile_provider(const char *profile)
{
    ddb_credentials_provider *p;
    assert_int_equal(ddb_creds_profile_new(&p, profile), 0);
    return p;
}

/* ---- values -------------------------------------------------------------- */

static void test_copy_and_clear(void **state)
{
    (void)state;
    ddb_credentials src = {(char *)"AKID", (char *)"SECRET", NULL, 42};
    ddb_credentials dst = DDB_CREDENTIALS_INIT;
    assert_int_equal(ddb_credentials_copy(&dst, &src), 0);
    assert_string_equal(dst.access_key_id, "AKID");
    assert_string_equal(dst.secret_access_key, "SECRET");
    assert_null(dst.session_token);
    assert_int_equal(dst.expiration, 42);
    assert_ptr_not_equal(dst.secret_access_key, src.secret_access_key);
    ddb_credentials_clear(&dst);
    assert_null(dst.access_key_id);
    assert_null(dst.secret_access_key);
    assert_int_equal(dst.expiration, 0);
    ddb_credentials_clear(&dst);
    ddb_credentials_clear(NULL);
    assert_int_equal(ddb_credentials_copy(&dst, NULL), DDB_EINVAL);
    ddb_credentials_provider_free(NULL);
}

/* ---- static -------------------------------------------------------------- */

static void test_static(void **state)
{
    (void)state;
    ddb_credentials_provider *p;
    assert_int_equal(ddb_creds_static_new(&p, "AKID", "SECRET", "TOKEN"), 0);
    expect_keys(p, "AKID", "SECRET", "TOKEN");
    expect_keys(p, "AKID", "SECRET", "TOKEN");
    ddb_credentials_provider_free(p);
    assert_int_equal(ddb_creds_static_new(&p, "AKID", "SECRET", NULL), 0);
    expect_keys(p, "AKID", "SECRET", NULL);
    ddb_credentials_provider_free(p);

    p = (ddb_credentials_provider *)&p; /* must be reset to NULL on failure */
    assert_int_equal(ddb_creds_static_new(&p, "AKID", "", NULL), DDB_EINVAL);
    assert_null(p);
    assert_int_equal(ddb_creds_static_new(&p, NULL, "SECRET", NULL), DDB_EINVAL);
    assert_int_equal(ddb_creds_static_new(NULL, "AKID", "SECRET", NULL), DDB_EINVAL);
}

/* ---- environment --------------------------------------------------------- */

static void test_env(void **state)
{
    (void)state;
    ddb_credentials_provider *p;
    assert_int_equal(ddb_creds_env_new(&p), 0);
    expect_failure(p, DDB_ECREDENTIALS, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");

    setenv("AWS_ACCESS_KEY_ID", "ENVAKID", 1);
    expect_failure(p, DDB_ECONFIG, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    expect_keys(p, "ENVAKID", "ENVSECRET", NULL);
    setenv("AWS_SESSION_TOKEN", "ENVTOKEN", 1);
    expect_keys(p, "ENVAKID", "ENVSECRET", "ENVTOKEN");
    setenv("AWS_SESSION_TOKEN", "", 1); /* empty counts as unset */
    expect_keys(p, "ENVAKID", "ENVSECRET", NULL);
    setenv("AWS_ACCESS_KEY_ID", "", 1);
    expect_failure(p, DDB_ECONFIG, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    ddb_credentials_provider_free(p);
}

/* ---- shared files -------------------------------------------------------- */

static const char credentials_text[] = "# shared credentials\n"
                                       "[default]\n"
                                       "aws_access_key_id = DEFAULTAKID\n"
                                       "aws_secret_access_key = DEFAULTSECRET\n"
                                       "\n"
                                       "[dev]\r\n"
                                       "AWS_ACCESS_KEY_ID=DEVAKID\r\n"
                                       "aws_secret_access_key:  DEVSECRET  \r\n"
                                       "aws_session_token = DEVTOKEN\r\n"
                                       "; comment\n"
                                       "[both]\n"
                                       "aws_access_key_id = FROMCREDENTIALS\n"
                                       "aws_secret_access_key = S1\n"
                                       "[empty]\n"
                                       "region = eu-west-1\n";

static const char config_text[] = "[default]\n"
                                  "region = us-west-2\n"
                                  "[profile cfg]\n"
                                  "region = ap-south-1\n"
                                  "s3 =\n"
                                  "    max_concurrent_requests = 20\n"
                                  "    aws_access_key_id = NESTED_NOT_A_KEY\n"
                                  "aws_access_key_id = CFGAKID\n"
                                  "aws_secret_access_key = CFGSECRET\n"
                                  "[profile both]\n"
                                  "aws_access_key_id = FROMCONFIG\n"
                                  "aws_secret_access_key = S2\n"
                                  "[cfg]\n"
                                  "aws_access_key_id = PLAIN_SECTION_IGNORED\n"
                                  "aws_secret_access_key = X\n"
                                  "[sso-session x]\n"
                                  "sso_region = us-east-1\n";

static void write_shared_files(void)
{
    write_file("credentials", credentials_text);
    write_file("config", config_text);
}

static void test_profile_lookup(void **state)
{
    (void)state;
    write_shared_files();
    ddb_credentials_provider *p = profile_provider(NULL);
    expect_keys(p, "DEFAULTAKID", "DEFAULTSECRET", NULL);
    ddb_credentials_provider_free(p);

    p = profile_provider("dev"); /* CRLF, upper-case key, ':' delimiter, padding */
    expect_keys(p, "DEVAKID", "DEVSECRET", "DEVTOKEN");
    ddb_credentials_provider_free(p);

    p = profile_provider("cfg"); /* only in the config file; nested values skipped */
    expect_keys(p, "CFGAKID", "CFGSECRET", NULL);
    ddb_credentials_provider_free(p);

    p = profile_provider("both"); /* the credentials file wins */
    expect_keys(p, "FROMCREDENTIALS", "S1", NULL);
    ddb_credentials_provider_free(p);

    p = profile_provider(NULL); /* AWS_PROFILE is read at get() */
    setenv("AWS_PROFILE", "dev", 1);
    expect_keys(p, "DEVAKID", "DEVSECRET", "DEVTOKEN");
    setenv("AWS_PROFILE", "nosuch", 1);
    expect_failure(p, DDB_ECREDENTIALS, "profile \"nosuch\" not found in");
    ddb_credentials_provider_free(p);

    p = profile_provider("empty");
    expect_failure(p, DDB_ECREDENTIALS, "profile \"empty\" has no aws_access_key_id/aws_secret_access_key in");
    ddb_credentials_provider_free(p);
}

static void test_profile_home_and_tilde(void **state)
{
    (void)state;
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
    mkdir(tmp_path("home/.aws"), 0700);
    write_file("home/.aws/credentials", "[default]\naws_access_key_id = HOMEAKID\naws_secret_access_key = HS\n");
    ddb_credentials_provider *p = profile_provider(NULL);
    expect_keys(p, "HOMEAKID", "HS", NULL);

    /* "[t]" counts only in a credentials file: found only if "~/" is $HOME. */
    write_file("home/.aws/config", "[t]\naws_access_key_id = TILDE\naws_secret_access_key = TS\n");
    setenv("AWS_PROFILE", "t", 1);
    expect_failure(p, DDB_ECREDENTIALS, "profile \"t\" not found");
    setenv("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/config", 1);
    expect_keys(p, "TILDE", "TS", NULL);

    unsetenv("HOME");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
    expect_failure(p, DDB_ECREDENTIALS, "~/.aws/credentials (HOME is not set)");
    ddb_credentials_provider_free(p);
    remove(tmp_path("home/.aws/credentials"));
    remove(tmp_path("home/.aws/config"));
}

static void test_profile_reload(void **state)
{
    (void)state;
    write_file("credentials", "[default]\naws_access_key_id = FIRST\naws_secret_access_key = ONE\n");
    ddb_credentials_provider *p = profile_provider(NULL);
    expect_keys(p, "FIRST", "ONE", NULL);
    expect_keys(p, "FIRST", "ONE", NULL);
    write_file("credentials", "[default]\naws_access_key_id = SECOND\naws_secret_access_key = TWO2\n");
    expect_keys(p, "SECOND", "TWO2", NULL);
    remove(tmp_path("credentials"));
    expect_failure(p, DDB_ECREDENTIALS, "not found");
    write_file("credentials", "[default]\naws_access_key_id = THIRD\naws_secret_access_key = THREE\n");
    expect_keys(p, "THIRD", "THREE", NULL);
    ddb_credentials_provider_free(p);
}

/* A malformed file: DDB_ECONFIG "path:line: what". */
static void expect_malformed(const char *file, const char *text, unsigned line, const char *what)
{
    char want[1024];
    snprintf(want, sizeof want, "%s:%u: %s", write_file(file, text), line, what);
    ddb_credentials_provider *p = profile_provider(NULL);
    expect_failure(p, DDB_ECONFIG, want);
    ddb_credentials_provider_free(p);
    write_file(file, "");
}

static void test_profile_malformed(void **state)
{
    (void)state;
    expect_malformed("credentials", "[default]\naws_access_key_id = A\n[broken\n", 3,
                     "section header without a closing ']'");
    expect_malformed("credentials", "\n\naws_access_key_id = A\n", 3, "a key before any [section]");
    expect_malformed("config", "[default]\n# fine\njust words\n", 3,
                     "expected \"key = value\", \"[section]\" or a comment");
    expect_malformed("config", "[default]\n = value\n", 2, "a value without a key");

    write_file("credentials", "[default]\naws_access_key_id = ONLYID\n");
    ddb_credentials_provider *p = profile_provider(NULL);
    expect_failure(p, DDB_ECONFIG, "profile \"default\" has aws_access_key_id but no aws_secret_access_key");
    ddb_credentials_provider_free(p);

    write_file("credentials", "");
    mkdir(tmp_path("home/.aws"), 0700);
    setenv("AWS_SHARED_CREDENTIALS_FILE", tmp_path("home/.aws"), 1); /* a directory */
    p = profile_provider(NULL);
    expect_failure(p, DDB_EIO, "home/.aws");
    ddb_credentials_provider_free(p);
}

typedef struct thread_job {
    ddb_credentials_provider *p;
    int failures;
} thread_job;

static void *get_many(void *arg)
{
    thread_job *job = arg;
    for (int i = 0; i < 200; i++) {
        ddb_credentials c = DDB_CREDENTIALS_INIT;
        if (job->p->get(job->p, &c) != 0 || strcmp(c.access_key_id, "DEVAKID") != 0)
            job->failures++;
        ddb_credentials_clear(&c);
    }
    return NULL;
}

static void test_profile_threads(void **state)
{
    (void)state;
    write_shared_files();
    thread_job jobs[4];
    pthread_t threads[4];
    ddb_credentials_provider *p = profile_provider("dev");
    for (int i = 0; i < 4; i++) {
        jobs[i] = (thread_job){p, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, get_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
    ddb_credentials_provider_free(p);
}

/* ---- credential_process -------------------------------------------------- */

/* A script in the temporary directory printing `json` and exiting with
 * `status`; returns the command to run it. */
static const char *process_script(const char *json, int status)
{
    static char command[600];
    char text[1024];
    snprintf(text, sizeof text, "#!/bin/sh\ncat <<'EOF'\n%s\nEOF\nexit %d\n", json, status);
    const char *path = write_file("process.sh", text);
    assert_int_equal(chmod(path, 0700), 0);
    snprintf(command, sizeof command, "'%s' --token ARGSECRET", path);
    return command;
}

static void test_credential_process(void **state)
{
    (void)state;
    ddb_credentials_provider *p = NULL;
    assert_int_equal(ddb_creds_process_new(&p, ""), DDB_EINVAL);
    assert_int_equal(ddb_creds_process_new(&p, process_script("{\"Version\": 1, \"AccessKeyId\": \"PAKID\", "
                                                              "\"SecretAccessKey\": \"PSECRET\", "
                                                              "\"SessionToken\": \"PTOKEN\", "
                                                              "\"Expiration\": \"2031-02-03T04:05:06Z\"}",
                                                              0)),
                     0);
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    assert_int_equal(p->get(p, &c), 0);
    assert_string_equal(c.access_key_id, "PAKID");
    assert_string_equal(c.secret_access_key, "PSECRET");
    assert_string_equal(c.session_token, "PTOKEN");
    assert_int_equal(c.expiration, 1927857906); /* 2031-02-03T04:05:06Z */
    ddb_credentials_clear(&c);
    ddb_credentials_provider_free(p);
    /* long-lived keys: no token, no expiration */
    assert_int_equal(
        ddb_creds_process_new(&p, process_script("{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"S\"}", 0)),
        0);
    expect_keys(p, "A", "S", NULL);
    ddb_credentials_provider_free(p);
    /* failures name the program, never its arguments or what it printed */
    static const struct {
        const char *json;
        int status;
        const char *part;
    } bad[] = {
        {"{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKME\"}", 3, "exited with status 3"},
        {"{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKME\"}", 0, "not JSON of Version 1"},
        {"AccessKeyId=A SecretAccessKey=LEAKME", 0, "not JSON of Version 1"},
        {"{\"Version\": 1, \"AccessKeyId\": \"A\"}", 0, "no AccessKeyId and SecretAccessKey"},
        {"{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"LEAKME\", \"Expiration\": \"soon\"}", 0,
         "is not an ISO 8601"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(ddb_creds_process_new(&p, process_script(bad[i].json, bad[i].status)), 0);
        expect_failure(p, DDB_ECREDENTIALS, bad[i].part);
        assert_message_has("process.sh");
        assert_null(strstr(ddb_last_error()->message, "LEAKME"));
        assert_null(strstr(ddb_last_error()->message, "ARGSECRET"));
        ddb_credentials_provider_free(p);
    }
    /* from a profile; keys written in the files win over it */
    char config[800];
    snprintf(config, sizeof config, "[profile proc]\ncredential_process = %s\n",
             process_script("{\"Version\": 1, \"AccessKeyId\": \"PROFAKID\", \"SecretAccessKey\": \"S\"}", 0));
    write_file("config", config);
    p = profile_provider("proc");
    expect_keys(p, "PROFAKID", "S", NULL);
    write_file("credentials", "[proc]\naws_access_key_id = FILEAKID\naws_secret_access_key = FS\n");
    expect_keys(p, "FILEAKID", "FS", NULL);
    ddb_credentials_provider_free(p);
}

/* ---- role profiles: what is decided before any request ------------------- */

static void test_role_profiles_config(void **state)
{
    (void)state;
    write_file("config", "[profile norole]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                         "[profile badsource]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                         "credential_source = Somewhere\n"
                         "[profile baddur]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                         "source_profile = norole\nduration_seconds = 60\n"
                         "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
                         "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n"
                         "[profile webnofile]\nrole_arn = arn:aws:iam::123456789012:role/w\n"
                         "web_identity_token_file = /nonexistent/ddbc-token\n");
    ddb_credentials_provider *p = profile_provider("norole");
    expect_failure(p, DDB_ECONFIG, "has role_arn but no source_profile, credential_source");
    ddb_credentials_provider_free(p);
    p = profile_provider("badsource");
    expect_failure(p, DDB_ECONFIG, "credential_source \"Somewhere\" is not Environment");
    ddb_credentials_provider_free(p);
    p = profile_provider("baddur");
    expect_failure(p, DDB_ECONFIG, "duration_seconds \"60\" is not 900..43200");
    ddb_credentials_provider_free(p);
    p = profile_provider("a"); /* a cycle: stopped before any request */
    expect_failure(p, DDB_ECONFIG, "more than 8 source_profile hops");
    ddb_credentials_provider_free(p);
    p = profile_provider("webnofile");
    expect_failure(p, DDB_ECREDENTIALS, "token file /nonexistent/ddbc-token does not exist");
    ddb_credentials_provider_free(p);
    /* assume-role arguments (the source is taken, also on failure) */
    ddb_credentials_provider *src = NULL, *role = NULL;
    ddb_assume_role_opts o = DDB_ASSUME_ROLE_OPTS_INIT;
    assert_int_equal(ddb_creds_static_new(&src, "A", "S", NULL), 0);
    assert_int_equal(ddb_creds_assume_role_new(&role, src, &o), DDB_EINVAL);
    assert_null(role);
    assert_int_equal(ddb_creds_static_new(&src, "A", "S", NULL), 0);
    o.role_arn = "arn:aws:iam::123456789012:role/r";
    o.duration_s = 60;
    assert_int_equal(ddb_creds_assume_role_new(&role, src, &o), DDB_EINVAL);
}

/* ---- default chain ------------------------------------------------------- */

static void test_default_chain(void **state)
{
    (void)state;
    ddb_credentials_provider *chain;
    assert_int_equal(ddb_creds_default_chain_new(&chain), 0);
    expect_failure(chain, DDB_ECREDENTIALS, "no AWS credentials found: environment: ");
    char want[1024];
    snprintf(want, sizeof want,
             "are not set; web identity: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE are not both set; "
             "shared files: profile \"default\" not found in %s or %s; container: "
             "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and _FULL_URI are unset; instance metadata: disabled by "
             "AWS_EC2_METADATA_DISABLED",
             getenv("AWS_SHARED_CREDENTIALS_FILE"), getenv("AWS_CONFIG_FILE"));
    assert_message_has(want);

    write_shared_files();
    expect_keys(chain, "DEFAULTAKID", "DEFAULTSECRET", NULL); /* files when no environment */
    setenv("AWS_ACCESS_KEY_ID", "ENVAKID", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "ENVSECRET", 1);
    expect_keys(chain, "ENVAKID", "ENVSECRET", NULL); /* environment first */
    write_file("credentials", "[default\n");
    expect_keys(chain, "ENVAKID", "ENVSECRET", NULL); /* files not consulted */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    expect_failure(chain, DDB_ECONFIG, "AWS_ACCESS_KEY_ID is set but"); /* partial stops the chain */
    unsetenv("AWS_ACCESS_KEY_ID");
    expect_failure(chain, DDB_ECONFIG, ":1: section header"); /* so does a malformed file */
    ddb_credentials_provider_free(chain);
}

/* ---- shared config lookup ------------------------------------------------ */

static void expect_config(const char *profile, const char *key, const char *want)
{
    ddb_error_clear();
    char *value = ddb_shared_config_get(profile, key);
    if (want == NULL) {
        assert_null(value);
        assert_int_equal(ddb_last_error()->code, 0);
    } else {
        assert_non_null(value);
        assert_string_equal(value, want);
    }
    free(value);
}

static void test_shared_config_get(void **state)
{
    (void)state;
    write_shared_files();
    expect_config(NULL, "region", "us-west-2");
    expect_config("cfg", "REGION", "ap-south-1");
    expect_config("empty", "region", "eu-west-1");         /* from the credentials file */
    expect_config("cfg", "max_concurrent_requests", NULL); /* nested, not top-level */
    expect_config("nosuch", "region", NULL);
    setenv("AWS_PROFILE", "cfg", 1);
    expect_config(NULL, "region", "ap-south-1");

    write_file("config", "[default]\nregion = x\nnot a line\n");
    ddb_error_clear();
    assert_null(ddb_shared_config_get(NULL, "region"));
    assert_int_equal(ddb_last_error()->code, DDB_ECONFIG);
    assert_message_has(":3: expected");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_copy_and_clear, clean_env),
        cmocka_unit_test_setup(test_static, clean_env),
        cmocka_unit_test_setup(test_env, clean_env),
        cmocka_unit_test_setup(test_profile_lookup, clean_env),
        cmocka_unit_test_setup(test_profile_home_and_tilde, clean_env),
        cmocka_unit_test_setup(test_profile_reload, clean_env),
        cmocka_unit_test_setup(test_profile_malformed, clean_env),
        cmocka_unit_test_setup(test_profile_threads, clean_env),
        cmocka_unit_test_setup(test_credential_process, clean_env),
        cmocka_unit_test_setup(test_role_profiles_config, clean_env),
        cmocka_unit_test_setup(test_default_chain, clean_env),
        cmocka_unit_test_setup(test_shared_config_get, clean_env),
    };
    return cmocka_run_group_tests(tests, make_tmp_dir, remove_tmp_dir);
}
