/* placeholder: being written */
typedef int ddbc_placeholder_ir;
