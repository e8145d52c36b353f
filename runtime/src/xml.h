/*
 * xml.h - finding elements in the XML bodies of REST services (xml.c).
 * Reentrant; nothing is allocated except the strings returned.
 */
#ifndef DDB_XML_H
#define DDB_XML_H

#include <stdbool.h>

/* The next <tag>...</tag> in [*at, end): its content in [*a, *b); *at
 * moves past it. False when there is none. */
bool ddb_xml_next(const char **at, const char *end, const char *tag, const char **a, const char **b);

/* XML text [a, b) with its five entities and numeric references decoded,
 * as a new string (free it); NULL (recorded: DDB_EPROTOCOL, DDB_ENOMEM)
 * when malformed. */
char *ddb_xml_unescape(const char *a, const char *b);

#endif /* DDB_XML_H */
