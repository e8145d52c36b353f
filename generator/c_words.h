/*
 * c_words.h - the words C and C++ keep for themselves, which generated code
 * cannot use as identifiers: keywords of C11, C23 and C++ (generated headers
 * also compile as C++), object-like macros of the C library and of GNU C,
 * and the names C reserves to the implementation (`__x`, `_X`). Shared by
 * the schema checks (check.c, which refuse such names) and the template
 * filter c_ident (tmpl_filters.c, which maps them to other names).
 *
 * Thread safety: constant data.
 */
#ifndef DDBC_C_WORDS_H
#define DDBC_C_WORDS_H

#include <stdbool.h>

/*
 * Why `name` cannot be an identifier of generated code, as the end of a
 * sentence ("is a C keyword", "is a C++ keyword (...)", ...), or NULL when
 * it is not one of the listed words. Implementation-reserved names are
 * ddbc_c_reserved_prefix's.
 */
const char *ddbc_c_word(const char *name);

/* Whether `name` starts with "__" or with '_' and an uppercase letter. */
bool ddbc_c_reserved_prefix(const char *name);

#endif /* DDBC_C_WORDS_H */
