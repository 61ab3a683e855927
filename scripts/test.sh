#!/usr/bin/env bash
# The whole test suite: prepares what the tests need (services, system packages), type-checks,
# then runs tap. Extra arguments go to tap (e.g. a single file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/test-services.sh
echo "test: type check (tsc --noEmit)"
npx tsc --noEmit
# The CLI's tests run the built command (bin/socketgate.js): build dist/ now if src/ changed,
# once, rather than inside the first test file that needs it.
node --input-type=module -e "import('./bin/build.js').then((m) => m.ensureBuilt())"
echo "test: tap on node $(node -v)"
exec npx tap "$@"
