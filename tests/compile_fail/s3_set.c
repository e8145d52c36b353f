/* compile-fail: an update action setting an S3-backed attribute (put
 * uploads it; no set builder is generated) */
#include "fields.h"

// expect-error: (implicit declaration of function .fld_doc_set_body|call to undeclared function .fld_doc_set_body|invalid initializer|incompatible type)
void misuse(void);
void misuse(void)
{
    fld_doc_action a = fld_doc_set_body("text");
    fld_doc_action_free(a);
}
