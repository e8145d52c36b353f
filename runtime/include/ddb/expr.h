/* ddb/expr.h - placeholder: being written */
#ifndef DDB_EXPR_H
#define DDB_EXPR_H
#endif
