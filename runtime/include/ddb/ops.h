/* ddb/ops.h - placeholder: being written */
#ifndef DDB_OPS_H
#define DDB_OPS_H
#endif
