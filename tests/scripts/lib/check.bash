# Sourced by the scripts of tests/scripts/: one way to report a check, as
# the "ok N - ..." / "not ok N - ..." lines selftest counts.
checks=0

# check DESCRIPTION COMMAND...: runs COMMAND and reports it as one check.
check() {
  local description=$1
  shift
  checks=$((checks + 1))
  if "$@"; then
    echo "ok $checks - $description"
  else
    echo "not ok $checks - $description"
  fi
}
