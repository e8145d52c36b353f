/* c_words.c - the words C and C++ keep for themselves (see c_words.h). */
#include "c_words.h"

#include <stddef.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const c_keywords[] = {
    /* C11; the _Keywords are implementation-reserved names */
    "auto",    "break",  "case",     "char",   "const",    "continue", "default",
    "do",      "double", "else",     "enum",   "extern",   "float",    "for",
    "goto",    "if",     "inline",   "int",    "long",     "register", "restrict",
    "return",  "short",  "signed",   "sizeof", "static",   "struct",   "switch",
    "typedef", "union",  "unsigned", "void",   "volatile", "while",
};
static const char *const c23_keywords[] = {
    "alignas",       "alignof",      "bool", "constexpr", "false",         "nullptr",
    "static_assert", "thread_local", "true", "typeof",    "typeof_unqual",
};
static const char *const cxx_keywords[] = {
    "and",       "and_eq",       "asm",      "bitand",    "bitor",     "catch",
    "char8_t",   "char16_t",     "char32_t", "class",     "co_await",  "co_return",
    "co_yield",  "compl",        "concept",  "consteval", "constinit", "const_cast",
    "decltype",  "dynamic_cast", "explicit", "export",    "friend",    "mutable",
    "namespace", "new",          "noexcept", "not",       "not_eq",    "operator",
    "or",        "or_eq",        "private",  "protected", "public",    "reinterpret_cast",
    "requires",  "static_cast",  "template", "this",      "throw",     "try",
    "typeid",    "typename",     "using",    "virtual",   "wchar_t",   "xor",
    "xor_eq",
};
/* Object-like macros of the headers generated code includes, and of GNU C modes. */
static const char *const c_macros[] = {
    "NULL", "EOF", "errno", "stdin", "stdout", "stderr", "linux", "unix",
};

static const struct word_list {
    const char *const *words;
    size_t n;
    const char *why;
} word_lists[] = {
    {c_keywords, COUNT(c_keywords), "is a C keyword"},
    {c23_keywords, COUNT(c23_keywords), "is a C23 keyword or <stdbool.h> macro"},
    {cxx_keywords, COUNT(cxx_keywords), "is a C++ keyword (generated headers must also compile as C++)"},
    {c_macros, COUNT(c_macros), "is a macro of the C library or of GNU C"},
};

const char *ddbc_c_word(const char *name)
{
    for (size_t l = 0; l < COUNT(word_lists); l++)
        for (size_t i = 0; i < word_lists[l].n; i++)
            if (strcmp(name, word_lists[l].words[i]) == 0)
                return word_lists[l].why;
    return NULL;
}

bool ddbc_c_reserved_prefix(const char *name)
{
    return name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z'));
}
