#!/bin/sh
# Stands in for restyscope so the harness can compare real nginx with itself (its own
# determinism check): drops --headless and execs nginx with the remaining arguments.
#   RESTYSCOPE_CONFORMANCE_SUBJECT=tests/conformance/nginx-as-subject.sh ./tst_conformance
for arg; do
    shift
    [ "$arg" = --headless ] || set -- "$@" "$arg"
done
exec "${RESTYSCOPE_CONFORMANCE_NGINX:-nginx}" "$@"
