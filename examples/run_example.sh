#!/bin/sh
# examples/run_example.sh PROGRAM: runs an example as a test, against the
# engine scripts/test.sh started (DDB_TEST_ENDPOINT, DDB_TEST_S3_ENDPOINT);
# the example fails the test by exiting non-zero. Not run against an
# external DynamoDB (DDB_ENGINE=dynamodb): the examples create and delete
# tables there (exit 77: meson reports it as skipped, never as passed).
if [ -z "${DDB_TEST_ENDPOINT:-}" ]; then
  echo "DDB_TEST_ENDPOINT is not set: run the tests with scripts/test.sh" >&2
  exit 1
fi
if [ "${DDB_TEST_ENGINE:-}" = dynamodb ]; then
  echo "examples are not run against an external DynamoDB" >&2
  exit 77
fi
AWS_ENDPOINT_URL_DYNAMODB="$DDB_TEST_ENDPOINT"
AWS_ENDPOINT_URL_S3="${DDB_TEST_S3_ENDPOINT:-}"
export AWS_ENDPOINT_URL_DYNAMODB AWS_ENDPOINT_URL_S3
exec "$@"
