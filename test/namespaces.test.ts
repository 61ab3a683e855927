import t from 'tap'
import { connectClient, nextEvent, startGateway } from '../src/testing.js'
import type { ChatMessage } from '../src/index.js'
import type { GatewayClient } from '../src/client.js'

async function send (client: GatewayClient, content: string, room = 'lobby'): Promise<void> {
  const ack = await client.timeout(2000).emitWithAck('message:send', { content, room })
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`)
}

async function join (client: GatewayClient, room = 'lobby'): Promise<void> {
  const ack = await client.timeout(2000).emitWithAck('room:join', room)
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`)
}

for (const transport of ['websocket', 'polling'] as const) {
  t.test(`over ${transport}, with NAMESPACES=/chat,/support`, async (t) => {
    const gw = await startGateway(t, { namespaces: ['/chat', '/support'] })
    const connect = (nsp: string) => connectClient(t, gw, { nsp, transports: [transport] })

    t.test('each namespace serves the chat protocol', async (t) => {
      for (const nsp of ['/', '/chat', '/support']) {
        const a = await connect(nsp)
        const b = await connect(nsp)
        await join(a)
        await join(b)
        const got = nextEvent<[ChatMessage]>(b, 'message:new')
        await send(a, `hello ${nsp}`)
        t.match((await got)[0], { content: `hello ${nsp}`, room: 'lobby', author: /^guest-/ }, nsp)
      }
    })

    t.test('a message in /chat reaches neither /support nor / sockets in a room of the same name', async (t) => {
      const chat = await connect('/chat')
      const support = await connect('/support')
      const root = await connect('/')
      for (const c of [chat, support, root]) await join(c)
      const firstAtSupport = nextEvent<[ChatMessage]>(support, 'message:new')
      const firstAtRoot = nextEvent<[ChatMessage]>(root, 'message:new')
      await send(chat, 'only for /chat')
      // Markers sent afterwards in each namespace: a leaked message would have arrived first.
      await send(support, 'marker /support')
      await send(root, 'marker /')
      t.equal((await firstAtSupport)[0].content, 'marker /support')
      t.equal((await firstAtRoot)[0].content, 'marker /')
    })

    t.test('an unknown namespace is refused with a connect_error', async (t) => {
      await t.rejects(connect('/nope'), { message: 'Invalid namespace' })
      // The gateway still serves the configured ones.
      const c = await connect('/chat')
      t.equal(c.connected, true)
    })
  })
}

t.test('authentication applies on the extra namespaces too', async (t) => {
  const gw = await startGateway(t, { namespaces: ['/chat'], authMode: 'jwt', jwtSecret: 's'.repeat(32) })
  for (const nsp of ['/', '/chat']) {
    await t.rejects(connectClient(t, gw, { nsp }), {
      message: 'Authentication required: pass a JWT as auth.token',
      data: { code: 'SG_AUTH_REQUIRED' }
    }, nsp)
  }
})
