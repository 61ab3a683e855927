/** In a clone (src/ present): is dist/ missing or older than the sources? */
export declare function stale (): boolean
/** Builds dist/ when stale (or always with force); a concurrent caller waits, then skips. */
export declare function ensureBuilt (opts?: { force?: boolean }): void
