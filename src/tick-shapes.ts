// Keeps process.nextTick on V8's fast path for the life of the process. Every Socket.IO packet
// and every stream write goes through nextTick, which builds its tick object with an object
// literal whose first keys are computed (`{ [async_id_symbol]: …, [trigger_async_id_symbol]: … }`,
// Node 20 and 24 alike). V8 remembers that literal's shapes (hidden classes) only weakly: a full
// GC at a moment when no tick object is alive (an idle server, a few seconds after start-up)
// frees them, the next nextTick finds its remembered shape gone, and V8 marks the literal
// megamorphic for good: every tick object is then built through calls into the V8 runtime, and
// plain Socket.IO answers markedly fewer echoes (bench/RESULTS.md, "nextTick"; README,
// "Benchmarks"). Holding one tick object keeps its shapes alive.
//
// Process-wide by nature (the literal's state is per process), so it is not applied by importing
// socketgate: the server entry (src/cli/serve.ts) applies it, and a program that embeds the
// gateway opts in with `keepTickShapes()` from the package. test/tick-shapes.test.ts shows both
// states from V8's own feedback and fails on the Node release that no longer needs this.
import { executionAsyncResource } from 'node:async_hooks'

/** Never read: holding it is the point. */
export let keptTickObject: object | undefined
let applied = false

/**
 * Keeps process.nextTick's tick-object shapes alive (see above). Call it once, early, before the
 * process has had a chance to go idle; later calls do nothing.
 */
export function keepTickShapes (): void {
  if (applied) return
  applied = true
  // Inside a nextTick callback the executing async resource is that callback's tick object.
  process.nextTick(() => { keptTickObject = executionAsyncResource() })
}
