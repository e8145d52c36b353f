/* compile-fail: arithmetic on an encrypted number (DynamoDB cannot add to
 * ciphertext) */
#include "fields.h"

// expect-error: (implicit declaration of function .fld_account_incr_salary|call to undeclared function .fld_account_incr_salary|invalid initializer|incompatible type)
void misuse(void);
void misuse(void)
{
    fld_account_action a = fld_account_incr_salary(1);
    fld_account_action_free(a);
}
