/* ddb/model.h - placeholder: being written */
#ifndef DDB_MODEL_H
#define DDB_MODEL_H
#endif
