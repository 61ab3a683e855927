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
# tap loads the test files through tsx (package.json "tap": its own TypeScript plugin off): it
# compiles the src/ tree a test imports several times faster, about 3.5 s of CPU less per file.
echo "test: tap on node $(node -v)"
exec npx tap "$@"
