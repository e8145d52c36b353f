/*
 * test_sts.c - the STS credential providers against moto's STS
 * (DDB_TEST_STS_ENDPOINT): AssumeRole from static keys, chained roles and
 * their settings from a profile file, AssumeRoleWithWebIdentity, and the
 * credentials at work — moto keeps an assumed role's requests in the
 * role's account, so a table made with a role's credentials is seen by
 * that role only. Fails, never skips, without an STS endpoint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ddb_test.h"

static const char *sts;     /* moto, serving STS and DynamoDB */
static char dir[64];        /* profile files, the token file */
static char table[64];

static int setup(void **state)
{
    (void)state;
    sts = getenv("DDB_TEST_STS_ENDPOINT");
    if (sts == NULL || *sts == '\0') {
        fprintf(stderr, "DDB_TEST_STS_ENDPOINT is not set: run the tests with scripts/test.sh\n");
        return -1;
    }
    snprintf(dir, sizeof dir, "/tmp/ddbc-sts-XXXXXX");
    snprintf(table, sizeof table, "ddbc-sts-%ld", (long)getpid());
    return mkdtemp(dir) != NULL ? 0 : -1;
}

static const char *path_in(const char *name)
{
    static char p[160];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"config", "credentials", "token"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(path_in(files[i]));
    rmdir(dir);
    return 0;
}

static void write_text(const char *name, const char *text)
{
    FILE *f = fopen(path_in(name), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Temporary credentials from `p`, checked for their shape. */
static void expect_temporary(ddb_credentials_provider *p, ddb_credentials *c)
{
    int rc = p->get(p, c);
    if (rc != 0)
        fail_msg("get: %s", ddbt_last_error());
    assert_non_null(c->access_key_id);
    assert_non_null(c->secret_access_key);
    assert_non_null(c->session_token);
    assert_true(c->expiration > (int64_t)time(NULL));
}

/* A DynamoDB client of moto with `provider`'s credentials (taken). */
static ddb_client *client_with(ddb_credentials_provider *provider)
{
    ddb_client_config cfg = DDB_CLIENT_CONFIG_INIT;
    cfg.endpoint = sts;
    cfg.region = "us-east-1";
    cfg.credentials = provider;
    ddb_client *c = NULL;
    DDBT_ASSERT_OK(ddb_client_new(&c, &cfg));
    return c;
}

static bool lists_table(ddb_client *c)
{
    ddb_list_tables_input in = DDB_LIST_TABLES_INPUT_INIT;
    ddb_list_tables_output out;
    DDBT_ASSERT_OK(ddb_list_tables(&out, c, &in));
    bool found = false;
    for (size_t i = 0; i < out.n_table_names; i++)
        found = found || strcmp(out.table_names[i], table) == 0;
    ddb_list_tables_output_free(&out);
    return found;
}

static void make_table(ddb_client *c)
{
    ddb_attribute_definition defs[] = {{"id", DDB_AV_S}};
    ddb_create_table_input in = DDB_CREATE_TABLE_INPUT_INIT;
    in.table_name = table;
    in.attribute_definitions = defs;
    in.n_attribute_definitions = 1;
    in.key_schema = (ddb_key_schema){"id", NULL};
    in.billing_mode = DDB_BILLING_MODE_PAY_PER_REQUEST;
    ddb_table_output out;
    DDBT_ASSERT_OK(ddb_create_table(&out, c, &in));
    ddb_table_output_free(&out);
}

static void drop_table(ddb_client *c)
{
    ddb_table_name_input in = DDB_TABLE_NAME_INPUT_INIT;
    in.table_name = table;
    ddb_table_output out;
    DDBT_ASSERT_OK(ddb_delete_table(&out, c, &in));
    ddb_table_output_free(&out);
}

static void test_assume_role(void **state)
{
    (void)state;
    ddb_credentials_provider *src = NULL, *role = NULL;
    DDBT_ASSERT_OK(ddb_creds_static_new(&src, "AKIAIOSFODNN7EXAMPLE", "base-secret", NULL));
    ddb_assume_role_opts o = DDB_ASSUME_ROLE_OPTS_INIT;
    o.role_arn = "arn:aws:iam::111111111111:role/ddbc-test";
    o.session_name = "ddbc-test";
    o.external_id = "ext-1";
    o.duration_s = 900;
    o.endpoint = sts;
    o.region = "us-east-1";
    DDBT_ASSERT_OK(ddb_creds_assume_role_new(&role, src, &o));
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    expect_temporary(role, &c);
    assert_string_not_equal(c.access_key_id, "AKIAIOSFODNN7EXAMPLE");
    ddb_credentials_clear(&c);

    /* at work: the role's table lives in the role's account */
    ddb_client *as_role = client_with(role);
    ddb_credentials_provider *base_keys = NULL;
    DDBT_ASSERT_OK(ddb_creds_static_new(&base_keys, "AKIAIOSFODNN7EXAMPLE", "base-secret", NULL));
    ddb_client *as_base = client_with(base_keys);
    make_table(as_role);
    assert_true(lists_table(as_role));
    assert_false(lists_table(as_base));
    drop_table(as_role);
    ddb_client_free(as_role);
    ddb_client_free(as_base);
}

static void test_chained_roles_from_profiles(void **state)
{
    (void)state;
    write_text("credentials", "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                              "aws_secret_access_key = base-secret\n");
    write_text("config", "[profile one]\nrole_arn = arn:aws:iam::111111111111:role/one\nsource_profile = base\n"
                         "region = us-east-1\n"
                         "[profile two]\nrole_arn = arn:aws:iam::222222222222:role/two\nsource_profile = one\n"
                         "external_id = x-2\nduration_seconds = 1800\nrole_session_name = chained\n"
                         "region = us-east-1\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", path_in("credentials"), 1);
    setenv("AWS_CONFIG_FILE", path_in("config"), 1);
    setenv("AWS_ENDPOINT_URL_STS", sts, 1);
    ddb_credentials_provider *one = NULL, *two = NULL;
    DDBT_ASSERT_OK(ddb_creds_profile_new(&one, "one"));
    DDBT_ASSERT_OK(ddb_creds_profile_new(&two, "two"));
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    expect_temporary(two, &c);
    ddb_credentials_clear(&c);
    ddb_client *c_one = client_with(one), *c_two = client_with(two);
    make_table(c_two); /* in account 222222222222: role one does not see it */
    assert_true(lists_table(c_two));
    assert_false(lists_table(c_one));
    drop_table(c_two);
    ddb_client_free(c_one);
    ddb_client_free(c_two);
    unsetenv("AWS_ENDPOINT_URL_STS");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
}

static void test_web_identity(void **state)
{
    (void)state;
    write_text("token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJkZGJjIn0.c2ln\n");
    ddb_credentials_provider *p = NULL;
    DDBT_ASSERT_OK(ddb_creds_web_identity_new(&p, "arn:aws:iam::333333333333:role/web", path_in("token"), "ci",
                                              "us-east-1", sts));
    ddb_credentials c = DDB_CREDENTIALS_INIT;
    expect_temporary(p, &c);
    ddb_credentials_clear(&c);
    ddb_client *web = client_with(p);
    assert_false(lists_table(web)); /* a request signed with them is accepted */
    ddb_client_free(web);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assume_role),
        cmocka_unit_test(test_chained_roles_from_profiles),
        cmocka_unit_test(test_web_identity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
