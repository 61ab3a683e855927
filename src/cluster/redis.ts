// The cluster's Redis connection. Its one rule: a Redis outage must never block or buffer the
// node's own work. So the client that publishes refuses commands at once while offline (the
// adapter then delivers locally and drops the cross-node copy), and the connection state is
// logged once per change instead of once per reconnect attempt.
import type { FastifyBaseLogger } from 'fastify'
import { createClient } from '@redis/client'

export type RedisClient = ReturnType<typeof createClient>

export interface RedisOptions {
  url: string
  log: FastifyBaseLogger
  /** @default 2000 */
  maxReconnectDelayMs?: number
}

/**
 * Creates the publishing client (not connected yet). The Socket.IO adapter duplicates it for its
 * blocking stream reader and its subscriber; those copies keep an offline queue, because each
 * holds at most one pending command (the next XREAD, the SUBSCRIBE to replay) and without it the
 * reader's retry loop would spin on immediate rejections while Redis is away.
 */
export function createRedis ({ url, log, maxReconnectDelayMs = 2000 }: RedisOptions): { client: RedisClient, copies: Set<RedisClient> } {
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      // Exponential back-off with a ceiling, forever: the node heals by itself when Redis returns.
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, maxReconnectDelayMs)
    }
  })
  const copies = new Set<RedisClient>()
  observeRejections(client, ['publish', 'sPublish'])
  watchState(client, log.child({ redis: 'publisher' }))

  const duplicate = client.duplicate.bind(client)
  client.duplicate = ((overrides?: Parameters<typeof duplicate>[0]) => {
    const copy = duplicate({ ...overrides, disableOfflineQueue: false })
    // The adapter calls disconnect() on its copies when it closes, possibly after the gateway
    // already destroyed them: a rejection there would be unhandled and end the process.
    const disconnect = copy.disconnect.bind(copy)
    copy.disconnect = async () => { if (copy.isOpen) await disconnect().catch(() => {}) }
    observeRejections(copy, ['subscribe', 'sSubscribe'])
    copies.add(copy)
    return copy
  }) as typeof client.duplicate
  return { client, copies }
}

/**
 * The adapter fires these commands without handling their promise (PUBLISH of ephemeral messages,
 * SUBSCRIBE at start): while Redis is away each rejection would be unhandled and end the process.
 * Marking them observed keeps the rejection for any caller that does await them.
 */
function observeRejections (client: RedisClient, methods: Array<'publish' | 'sPublish' | 'subscribe' | 'sSubscribe'>): void {
  const target = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
  for (const method of methods) {
    const original = target[method]!.bind(client)
    target[method] = (...args: unknown[]) => {
      const result = original(...args)
      result.catch(() => {})
      return result
    }
  }
}

/** Logs once per change of state, not at every reconnect attempt. */
function watchState (client: RedisClient, log: FastifyBaseLogger): void {
  let state: 'starting' | 'up' | 'down' = 'starting'
  client.on('ready', () => {
    state = 'up'
    log.info('redis connection ready')
  })
  client.on('error', (err: Error) => {
    if (state === 'down') return log.debug({ err }, 'redis still unreachable')
    log.warn({ err }, state === 'up'
      ? 'redis connection lost: serving local clients only until it returns'
      : 'redis unreachable: serving local clients only until it answers')
    state = 'down'
  })
}
