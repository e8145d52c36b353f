/* compile-fail: equality on a randomly encrypted attribute (stored values
 * of equal plaintexts differ: no builder is generated) */
#include "fields.h"

// expect-error: (implicit declaration of function .fld_account_ssn_eq|call to undeclared function .fld_account_ssn_eq|invalid initializer|incompatible type)
void misuse(void);
void misuse(void)
{
    fld_account_cond c = fld_account_ssn_eq("078-05-1120");
    fld_account_cond_free(c);
}
