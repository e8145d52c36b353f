/* compile-fail: ordering on a deterministically encrypted attribute (only
 * equality is kept by the encryption) */
#include "fields.h"

// expect-error: (implicit declaration of function .fld_account_score_gt|call to undeclared function .fld_account_score_gt|invalid initializer|incompatible type)
void misuse(void);
void misuse(void)
{
    fld_account_cond c = fld_account_score_gt(0.5);
    fld_account_cond_free(c);
}
