// The per-client limits (docs/security.md) off, for the benchmarks that load one server from one
// address far beyond any one client: bench/run.ts's 50 connections echoing as fast as they can,
// 10 000 sockets for the scrape timing, the cluster and admin benches' crowds. What the limits
// themselves cost is measured in bench/flood.ts.
export const BENCH_LIMITS = { eventRate: 0, ipMaxConnections: 10_000_000, ipHandshakeRate: 1_000_000, ipHandshakeBurst: 10_000_000 } as const
