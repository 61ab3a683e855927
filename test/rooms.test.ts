import t from 'tap'
import { connectClient, nextEvent, startGateway } from '../src/testing.js'
import type { ChatMessage } from '../src/index.js'

for (const transport of ['websocket', 'polling'] as const) {
  t.test(`over ${transport}, a message sent to the default room reaches every socket in it`, async (t) => {
    const gw = await startGateway(t)
    const a = await connectClient(t, gw, { transports: [transport] })
    const b = await connectClient(t, gw, { transports: [transport] })
    const got = nextEvent<[ChatMessage]>(b, 'message:new')
    const ack = await a.timeout(2000).emitWithAck('message:send', { content: 'hello' })
    t.equal(ack.ok, true)
    const [msg] = await got
    t.match(msg, { author: /^guest-/, content: 'hello', room: 'chat-general', id: ack.ok ? ack.id : 'x' })
    t.type(msg.timestamp, 'number')
  })
}
