#!/bin/sh
# not a profile
exec go tool pprof -proto "$@"
