// Presence: whether an operator is connected anywhere, from what the nodes tell each other.
import t from 'tap'
import type { AdminChannel } from '../../src/admin/channel.js'
import { EXPIRE_MS, Presence } from '../../src/admin/presence.js'

/** Two nodes' channels joined to each other, counting what each sends. */
function pair () {
  const handlers = [new Map<string, (...args: unknown[]) => void>(), new Map<string, (...args: unknown[]) => void>()]
  const sent: string[][] = [[], []]
  const channel = (me: 0 | 1): AdminChannel => ({
    sent: new Map(),
    send: (event, ...args) => {
      sent[me]!.push(event)
      handlers[1 - me]!.get(event)?.(...args)
    },
    ask: async () => ({ responses: [], complete: true }),
    on: (event, handler) => { handlers[me]!.set(event, handler) },
    answer: () => {}
  })
  return { channel, sent }
}

t.test('a node hears of an operator elsewhere, and of its leaving; nothing is sent while nobody watches', async (t) => {
  const { channel, sent } = pair()
  let now = 0
  let watchedOnB = 0
  const a = new Presence(channel(0), 'a', () => {}, () => now)
  const b = new Presence(channel(1), 'b', () => { watchedOnB++ }, () => now)
  t.teardown(() => { a.stop(); b.stop() })
  t.equal(a.active() || b.active(), false)
  t.same(sent, [[], []], 'nothing sent while nobody watches')
  a.operatorJoined()
  a.operatorJoined()
  t.same(sent[0], ['socketgate:admin:watch'], 'said once, however many operators')
  t.equal(b.remoteWatching(), true)
  t.equal(watchedOnB, 1)
  a.operatorLeft()
  t.equal(b.remoteWatching(), true, 'one operator is still on A')
  a.operatorLeft()
  t.same(sent[0], ['socketgate:admin:watch', 'socketgate:admin:unwatch'])
  t.equal(b.active(), false)
  a.operatorLeft()
  t.equal(a.local, 0, 'an extra leave does not go negative')
})

t.test('a watching node that dies without a word is forgotten after EXPIRE_MS', async (t) => {
  const { channel } = pair()
  let now = 0
  const a = new Presence(channel(0), 'a', () => {}, () => now)
  const b = new Presence(channel(1), 'b', () => {}, () => now)
  t.teardown(() => { a.stop(); b.stop() })
  a.operatorJoined()
  a.stop() // no renewal, no unwatch: as if node A died
  now += EXPIRE_MS - 1
  t.equal(b.active(), true)
  now += 2
  t.equal(b.active(), false)
})
