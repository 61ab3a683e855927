// The per-client limits (docs/security.md) raised beyond reach, for the benchmarks that load one
// server from one address far beyond any one client: bench/run.ts's 50 connections echoing as
// fast as they can, 10 000 sockets for the scrape and heap figures, the cluster and admin
// benches' crowds. Raised, not off: every check still runs (and every socket still carries its
// event budget), so the figures include what the limits cost per event and per connection.
// What they do under abuse is measured in bench/flood.ts.
export const BENCH_LIMITS = {
  eventRate: 1_000_000,
  eventBurst: 1_000_000,
  ipMaxConnections: 10_000_000,
  ipHandshakeRate: 1_000_000,
  ipHandshakeBurst: 10_000_000
} as const
