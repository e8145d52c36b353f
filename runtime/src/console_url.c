/*
 * console_url.c - AWS console URLs of a model's table, its items view and
 * one item (ddb/model.h: ddb_model_console_url). Every value that lands in
 * a URL is percent-encoded (RFC 3986: all but unreserved characters).
 */
#include "feature_macros.h" /* first: feature-test macros before any system header */

#include "ddb/model.h"

#include <string.h>

#include "ddb/error.h"
#include "model_internal.h"

/* Appends `s[0..len)` percent-encoded: A-Z a-z 0-9 - _ . ~ as they are,
 * every other byte as %XX. */
static int put_url_encoded(ddb_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                          c == '-' || c == '_' || c == '.' || c == '~';
        if (unreserved) {
            rc = ddb_buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = ddb_buf_append(out, esc, 3);
        }
    }
    return rc;
}

static int put_encoded_str(ddb_buf *out, const char *s)
{
    return put_url_encoded(out, s, strlen(s));
}

/* https://<host>/dynamodbv2/home?region=<region># for the region's
 * partition: China and GovCloud have consoles of their own. */
static int put_home(ddb_buf *out, const char *region)
{
    int rc;
    if (strncmp(region, "cn-", 3) == 0)
        rc = ddb_buf_puts(out, "https://console.amazonaws.cn");
    else if (strncmp(region, "us-gov-", 7) == 0)
        rc = ddb_buf_puts(out, "https://console.amazonaws-us-gov.com");
    else {
        rc = ddb_buf_puts(out, "https://");
        if (rc == 0)
            rc = put_encoded_str(out, region);
        if (rc == 0)
            rc = ddb_buf_puts(out, ".console.aws.amazon.com");
    }
    if (rc == 0)
        rc = ddb_buf_puts(out, "/dynamodbv2/home?region=");
    if (rc == 0)
        rc = put_encoded_str(out, region);
    return rc == 0 ? ddb_buf_putc(out, '#') : rc;
}

/* A key attribute's value as the console shows it: S and N as text, B as
 * base64. */
static int put_url_key_value(ddb_buf *out, const ddb_av *v)
{
    if (v->type == DDB_AV_B) {
        ddb_buf b64 = DDB_BUF_INIT;
        int rc = ddb_base64_encode(&b64, (const unsigned char *)v->u.str.ptr, v->u.str.len);
        if (rc == 0)
            rc = put_url_encoded(out, b64.data, b64.len);
        ddb_buf_free(&b64);
        return rc;
    }
    return put_url_encoded(out, v->u.str.ptr, v->u.str.len);
}

int ddb_model_console_url(ddb_buf *out, const ddb_model *m, const char *region, ddb_console_view view,
                          const void *obj)
{
    if (out == NULL || m == NULL || m->table == NULL)
        return ddb_error_set(DDB_EINVAL, "console URL of no model");
    if (view != DDB_CONSOLE_TABLE && view != DDB_CONSOLE_ITEMS && view != DDB_CONSOLE_ITEM)
        return ddb_error_set(DDB_EINVAL, "console URL of %s: unknown view %d", m->name, (int)view);
    if (region == NULL) {
        ddb_client *c = ddb_model_client(m);
        if (c == NULL)
            return ddb_last_error()->code;
        region = ddb_client_region(c);
    }
    if (region == NULL || region[0] == '\0')
        return ddb_error_set(DDB_EINVAL, "console URL of %s: no region", m->name);
    ddb_buf url = DDB_BUF_INIT;
    ddb_av *key = NULL;
    int rc = put_home(&url, region);
    switch (view) {
    case DDB_CONSOLE_TABLE:
        if (rc == 0)
            rc = ddb_buf_puts(&url, "table?initialTagKey=&name=");
        if (rc == 0)
            rc = put_encoded_str(&url, m->table);
        if (rc == 0)
            rc = ddb_buf_puts(&url, "&tab=overview");
        break;
    case DDB_CONSOLE_ITEMS:
        if (rc == 0)
            rc = ddb_buf_puts(&url, "item-explorer?initialTagKey=&maximize=true&table=");
        if (rc == 0)
            rc = put_encoded_str(&url, m->table);
        break;
    case DDB_CONSOLE_ITEM:
        if (obj == NULL) {
            rc = ddb_error_set(DDB_EINVAL, "console URL of an item of %s: no item given", m->name);
            break;
        }
        if (rc == 0)
            rc = ddb_model_key(&key, m, obj);
        if (rc == 0)
            rc = ddb_buf_puts(&url, "edit-item?table=");
        if (rc == 0)
            rc = put_encoded_str(&url, m->table);
        if (rc == 0)
            rc = ddb_buf_puts(&url, "&itemMode=2&pk=");
        if (rc == 0)
            rc = put_url_key_value(&url, ddb_av_map_get(key, m->fields[m->hash_key].attr));
        if (rc == 0)
            rc = ddb_buf_puts(&url, "&sk=");
        if (rc == 0 && m->range_key >= 0)
            rc = put_url_key_value(&url, ddb_av_map_get(key, m->fields[m->range_key].attr));
        /* where the console goes back to: "#item-explorer?table=<table>", encoded */
        if (rc == 0)
            rc = ddb_buf_puts(&url, "&ref=%23item-explorer%3Ftable%3D");
        if (rc == 0) {
            ddb_buf table = DDB_BUF_INIT;
            rc = put_encoded_str(&table, m->table);
            if (rc == 0)
                rc = put_url_encoded(&url, table.data, table.len);
            ddb_buf_free(&table);
        }
        if (rc == 0)
            rc = ddb_buf_puts(&url, "&route=ROUTE_ITEM_EXPLORER");
        break;
    }
    if (rc == 0)
        rc = ddb_buf_append(out, url.data, url.len);
    ddb_av_free(key);
    ddb_buf_free(&url);
    return ddb_model_with_context(rc, "console URL", m);
}
