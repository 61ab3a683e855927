// `socketgate loadtest --scenario delivery`, short: 30 clients for 8 s, every connection cut every
// ~2 s through the proxy, clean or half-open, against a gateway in its default configuration
// (the clients ask for recovery). What the measurement asks of the gateway, small: every
// message delivered, none twice. The same run with clients that do not ask loses messages: the
// scenario can see a loss.
import t from 'tap'
import { parseLoadtestArgs } from '../../src/cli/loadtest.js'
import { runLoadtest, type LoadtestReport } from '../../src/loadtest/run.js'
import type { DeliveryReport } from '../../src/loadtest/scenarios/delivery.js'
import { startGateway } from '../../src/testing.js'

t.setTimeout(180_000)
const KEY = 'delivery-test-key-0123456789'

async function delivery (url: string, extra: string[]): Promise<LoadtestReport<DeliveryReport>> {
  const args = parseLoadtestArgs([url, '--scenario', 'delivery', '--api-key', KEY, '--clients', '30', '--duration', '8', '--cut-every', '2', ...extra])
  if (args === 'help') throw new Error('help')
  return await runLoadtest({ scenario: args.scenario, target: args.target, options: args.options }) as LoadtestReport<DeliveryReport>
}

for (const cut of ['clean', 'half-open'] as const) {
  t.test(`cuts ${cut}: 100 % delivered, no duplicate, sessions recovered`, async (t) => {
    const gw = await startGateway(t, { publishApiKey: KEY, pingIntervalMs: 5000, pingTimeoutMs: 5000 })
    const r = await delivery(gw.url, ['--cut', cut])
    const d = r.result
    t.equal(d.clients, 30)
    t.ok(d.published >= 30, `${d.published} messages published`)
    t.ok(d.cuts >= 30, `${d.cuts} cuts`)
    t.equal(d.delivered, d.expected, `every message to every client (${d.deliveredPercent} %)`)
    t.equal(d.duplicates, 0, 'none twice')
    t.equal(d.notRecovered, 0, 'every reconnection recovered its session')
    // Fewer than the cuts: a cut that lands while a client reconnects ends a resume before it
    // completes, and the next one recovers the session.
    t.ok(d.recovered > 0, `${d.recovered} recoveries for ${d.cuts} cuts`)
    t.same(r.problems, [])
    const resumes = gw.app.recovery.counts.resumes.get('/')
    const counted = (resumes?.get('resumed') ?? 0) + (resumes?.get('taken_over') ?? 0)
    // At least those: the gateway also counts resumes whose connection was cut again before the
    // client saw it connect.
    t.ok(counted >= d.recovered, `the gateway counted ${counted} recoveries`)
    t.equal((resumes?.get('unknown_session') ?? 0) + (resumes?.get('offset_too_old') ?? 0) + (resumes?.get('expired') ?? 0), 0, 'and no failed one')
    // A clean close can reach the server after the resume (then it is a takeover too); a
    // half-open connection never closes before its heartbeat, so every resume takes one over.
    if (cut === 'half-open') t.equal(resumes?.get('resumed') ?? 0, 0, 'half-open: every recovery was a takeover')
  })
}

t.test('clients that do not ask for recovery lose the messages sent while they reconnect, and the report says so', async (t) => {
  const gw = await startGateway(t, { publishApiKey: KEY, pingIntervalMs: 5000, pingTimeoutMs: 5000 })
  const r = await delivery(gw.url, ['--cut', 'clean', '--no-recovery'])
  t.equal(r.result.recovered, 0)
  t.ok(r.result.notRecovered > 0)
  t.ok(r.result.delivered < r.result.expected, `${r.result.deliveredPercent} % delivered`)
  t.equal(r.ok, false)
  t.ok(r.problems.some((p) => /deliveries missing/.test(p)), r.problems.join('; '))
})
