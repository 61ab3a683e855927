// Admin UI login sessions in Redis, so one login holds on every node behind the load balancer.
// admin-ui ships a RedisStore, but it speaks the callback API of redis@3, not this client's.
import type { FastifyBaseLogger } from 'fastify'
import type { AdminSessionStore } from '../plugins/admin-ui.js'
import type { RedisClient } from './redis.js'

export class RedisAdminStore implements AdminSessionStore {
  constructor (
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly log: FastifyBaseLogger,
    /** admin-ui's own default session lifetime. */
    private readonly ttlSeconds = 86_400
  ) {}

  async doesSessionExist (sessionId: string): Promise<boolean> {
    // With Redis away the UI asks for the password again rather than failing the handshake.
    return (await this.client.exists(this.prefix + sessionId).catch(() => 0)) === 1
  }

  saveSession (sessionId: string): void {
    this.client.set(this.prefix + sessionId, '1', { EX: this.ttlSeconds })
      .catch((err: unknown) => this.log.warn({ err }, 'admin UI session not saved in redis: the next reload asks for the password'))
  }
}
