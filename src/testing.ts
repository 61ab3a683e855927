// `socketgate/testing`: a real gateway on port 0 and real clients, torn down with the test. Works
// with tap (`t.teardown`) and node:test (`t.after`).
import { createGateway, type Gateway, type GatewayOptions } from './app.js'
import { createClient, type ClientOptions, type GatewayClient } from './client.js'

export type TestContext = { teardown: (fn: () => unknown) => void } | { after: (fn: () => unknown) => void }

function onTeardown (t: TestContext, fn: () => unknown): void {
  if ('teardown' in t) t.teardown(fn)
  else t.after(fn)
}

export interface TestGateway extends Gateway {
  /** `http://127.0.0.1:<port>` */
  url: string
}

/** Quiet by default; pass `logLevel` to see the gateway's logs. */
export async function startGateway (t: TestContext, options: GatewayOptions = {}): Promise<TestGateway> {
  const gw = await createGateway({ logLevel: 'silent', demoPage: false, ...options })
  onTeardown(t, () => gw.close())
  await gw.listen({ port: 0, host: '127.0.0.1' })
  const { port } = gw.app.server.address() as { port: number }
  return { ...gw, url: `http://127.0.0.1:${port}` }
}

/**
 * Connects and waits for `connect` (rejects with the `connect_error`). Reconnection is off and
 * the transport is WebSocket unless `opts` say otherwise. `nsp` is a namespace like `/chat`.
 */
export async function connectClient (t: TestContext, gw: { url: string }, opts: ClientOptions & { nsp?: string } = {}): Promise<GatewayClient> {
  const { nsp = '', ...rest } = opts
  const client = createClient(gw.url + nsp, { transports: ['websocket'], reconnection: false, forceNew: true, ...rest })
  // Registered after the gateway's teardown, so it runs first: clients leave before the server.
  onTeardown(t, () => { client.disconnect() })
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve)
    client.once('connect_error', reject)
  })
  return client
}

/**
 * Resolves with the arguments of the next `event` on `client`; rejects after `timeoutMs` so a
 * missing event fails the test instead of hanging it.
 */
export function nextEvent<A extends unknown[] = unknown[]> (client: GatewayClient, event: string, timeoutMs = 2000): Promise<A> {
  const emitter = client as unknown as { once: (e: string, fn: (...args: unknown[]) => void) => void, off: (e: string, fn: (...args: unknown[]) => void) => void }
  return new Promise<A>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener)
      reject(new Error(`no "${event}" event within ${timeoutMs} ms`))
    }, timeoutMs)
    const listener = (...args: unknown[]): void => {
      clearTimeout(timer)
      resolve(args as A)
    }
    emitter.once(event, listener)
  })
}
