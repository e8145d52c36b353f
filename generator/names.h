/*
 * names.h - the vocabulary of generated C symbols, in one place.
 *
 * Every model <m> of a schema with prefix <p> generates <p>_<m> (its
 * struct) and <p>_<m>_<word> for each word of ddbc_model_words; every
 * attribute <a> generates <p>_<m>_<a>_<op> for each op of ddbc_attr_ops and
 * <p>_<m>_<verb>_<a> for each verb of ddbc_attr_verbs. Every map <m> (the
 * `maps:` section) generates <p>_<m> (its struct) and <p>_<m>_<word> for each
 * word of ddbc_map_words. A typed list of scalar type <t> is
 * <p>_<ddbc_scalar_list_word>_<t> (forum_list_string). context.c emits and
 * checks exactly these; check.c reserves them across schema files. Keep
 * templates/ in step when adding a word.
 *
 * Thread safety: constant data.
 */
#ifndef DDBC_NAMES_H
#define DDBC_NAMES_H

#include <stddef.h>

extern const char *const ddbc_model_words[];
extern const size_t ddbc_n_model_words;
/* Word families whose members the templates generate (cond_and, range_eq,
 * set_x, ...): no attribute may have one of these names. */
extern const char *const ddbc_model_families[];
extern const size_t ddbc_n_model_families;
extern const char *const ddbc_attr_ops[];
extern const size_t ddbc_n_attr_ops;
extern const char *const ddbc_attr_verbs[];
extern const size_t ddbc_n_attr_verbs;
extern const char *const ddbc_map_words[];
extern const size_t ddbc_n_map_words;
/* "list": <p>_list_<type name> is the typed list of that scalar type. */
extern const char ddbc_scalar_list_word[];

#endif /* DDBC_NAMES_H */
