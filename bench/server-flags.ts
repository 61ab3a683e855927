// Node flags every bench server runs with (bench/run.ts, bench/instructions.ts).
//
// One V8 hash seed for all. The seed is random per process, and it decides where each name sits
// in an object's property dictionary: the lookups of `process.nextTick` (in Node's streams and
// Socket.IO) and of the `debug` package's settings (at every debug() call in Socket.IO and
// engine.io) took from 82 to 130 and from 986 to 1 420 instructions per echo in six processes of
// one build (2026-11-27, bench/RESULTS.md). With one seed, variants differ by their code only.
export const SERVER_FLAGS: readonly string[] = ['--hash-seed=20261127']
