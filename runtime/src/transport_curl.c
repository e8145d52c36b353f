/* placeholder: being written */
typedef int ddb_placeholder_transport_curl;
