// expect: ok
/* The control for the encrypted-attribute cases: what the encryption keeps
 * (equality on deterministic values, setting, presence) compiles cleanly. */
#include "fields.h"

void correct_use(ddb_keyring *keys);
void correct_use(ddb_keyring *keys)
{
    fld_account_use_keyring(keys);
    fld_account a;
    fld_account_init(&a);
    fld_account_cond c = fld_account_cond_and(fld_account_email_eq("ann@example.org"), fld_account_score_ne(0.5));
    c = fld_account_cond_and(c, fld_account_ssn_exists());
    fld_account_action u = fld_account_action_join(fld_account_set_salary(1), fld_account_set_ssn("x"));
    u = fld_account_action_join(u, fld_account_remove_notes());
    (void)fld_account_update(&a, u, c);
    ddb_iter *it = NULL;
    (void)fld_account_by_email_query(&it, "ann@example.org", FLD_ACCOUNT_BY_EMAIL_NO_RANGE, FLD_ACCOUNT_NO_COND,
                                     NULL);
    ddb_iter_free(it);
    fld_account_clear(&a);
}
