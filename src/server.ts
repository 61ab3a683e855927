#!/usr/bin/env node
// Process edge of the gateway alone (`node dist/server.js`, the Dockerfile's command): the same
// as `socketgate serve`, whose code this runs.
import { runServe } from './cli/serve.js'

runServe(process.argv.slice(2))
