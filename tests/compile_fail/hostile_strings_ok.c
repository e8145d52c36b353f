// expect: ok
/* Hostile schema text (tests/golden/hostile.yaml) injects nothing into the
 * generated header, under gcc and clang with the strict flags: its strings
 * try to declare these names as int and to define the macro evil_define. */
#include "hostile.h"

#ifdef evil_define
#error "a hostile schema string defined a macro in the generated header"
#endif

extern double evil_comment, evil_string, evil_splice, evil_tail;
