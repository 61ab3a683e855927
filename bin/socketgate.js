#!/usr/bin/env node
// The `socketgate` command (package.json "bin": `npx socketgate`, `npm start`).
//
// In a clone of the repository dist/ is built first when it is missing or older than src/
// (after `npm install`, a `git pull`, an edit), then run in this same process: no build at
// install time (a Docker layer installs before it copies src/, and every `npm ci` would pay for
// it), never stale code, and later starts as fast as `node dist/…`. An installed package has
// no src/: its dist/ runs as shipped.
import { ensureBuilt } from './build.js'

ensureBuilt()
await import('../dist/cli/index.js')
