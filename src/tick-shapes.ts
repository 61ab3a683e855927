// Keeps process.nextTick on V8's fast path for the life of the process. Every Socket.IO packet
// and every stream write goes through nextTick, which builds its tick object with an object
// literal whose first keys are computed (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: … }`,
// Node 20 and 24 alike). V8 remembers that literal's shapes (hidden classes) only weakly: a full
// GC at a moment when no tick object is alive (an idle server, a few seconds after start-up)
// frees them, the next nextTick finds its remembered shape gone, and V8 marks the literal
// megamorphic for good. From then on each tick object is built by calls into the V8 runtime,
// one per key after the first: measured here, plain Socket.IO then answers 15-18 % fewer echoes
// per second, p99 +35-40 % (bench/RESULTS.md, section "nextTick"). Holding one tick object keeps
// its shapes alive, so the literal stays monomorphic. Process-wide on purpose: the literal's
// state is per process.
import { executionAsyncResource } from 'node:async_hooks'

/** Never read: holding it is the point. */
export let keptTickObject: object | undefined

// Inside a nextTick callback the executing async resource is that callback's tick object. This
// module is evaluated once, first among the app's (src/app.ts imports it first).
process.nextTick(() => { keptTickObject = executionAsyncResource() })
