// Did a broadcast reach the cluster? Socket.IO's emit returns nothing, and the cluster adapter
// swallows a failed XADD (it logs and delivers locally). The adapter's doPublish is called
// synchronously inside emit, so whoever wants the outcome runs the emit inside `watch` and the
// adapter reports each publication it starts to the watcher of that moment.

/** Why a broadcast did not reach the other nodes. */
export class HandoffError extends Error {
  constructor (message: string, readonly cause?: unknown) {
    super(message)
    this.name = 'HandoffError'
  }
}

export class Handoffs {
  #watcher: Array<Promise<unknown>> | undefined

  /**
   * Runs `emit` and resolves once every publication it started was accepted by Redis (XADD
   * answered); rejects with a HandoffError otherwise. Resolves at once if it published nothing
   * (a local-only broadcast, or no adapter of the cluster's).
   */
  async watch (emit: () => void): Promise<void> {
    const started: Array<Promise<unknown>> = []
    const outer = this.#watcher
    this.#watcher = started
    try {
      emit()
    } finally {
      this.#watcher = outer
    }
    try {
      await Promise.all(started)
    } catch (err) {
      throw err instanceof HandoffError ? err : new HandoffError((err as Error)?.message ?? String(err), err)
    }
  }

  /** Called by the adapter for each publication; a no-op when nobody is watching. */
  report (publication: Promise<unknown>): void {
    this.#watcher?.push(publication)
  }
}
