// Every PromQL expression of the dashboards and the rule files, run by a real Prometheus that
// scrapes a live gateway every second with the project's prometheus.yml (targets rewritten) and
// rule files, after representative traffic (./traffic.ts): connects over both transports, events
// with acks, a ping timeout, an auth refusal, publish-API calls, a cluster node on Redis.
import { stringify } from 'yaml'
import t from 'tap'
import { connectClient, nextEvent, startGateway, type TestGateway } from '../../src/testing.js'
import { RULE_FILES, dashboardQueries, metricNames, readYaml, repoPath, ruleQueries, startPrometheus, substitute } from './helpers.js'
import { traffic, trafficOptions } from './traffic.js'

interface ScrapeConfig { job_name: string, scrape_interval?: string, static_configs: Array<{ targets: string[] }> }

/** The repo's prometheus.yml, pointed at these gateways and this Prometheus, every second. */
function testConfig (gateways: TestGateway[]): (promPort: number) => string {
  const config = readYaml(repoPath('prometheus.yml')) as { global: Record<string, string>, rule_files: string[], scrape_configs: ScrapeConfig[] }
  return (promPort) => stringify({
    ...config,
    global: { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: RULE_FILES(),
    scrape_configs: config.scrape_configs.map((s) => ({
      ...s,
      static_configs: [{ targets: s.job_name === 'socketgate' ? gateways.map((gw) => new URL(gw.url).host) : [`127.0.0.1:${promPort}`] }]
    }))
  })
}

t.test('every dashboard and rule query returns data from a live gateway scraped by Prometheus', async (t) => {
  const options = {
    ...await trafficOptions(),
    // Two nodes of one cluster, so that cross-node messages flow both ways.
    redisUrl: 'redis://127.0.0.1:6379',
    redisKeyPrefix: `socketgate-monitoring-${process.pid}`
  }
  const gw = await startGateway(t, options)
  const other = await startGateway(t, options)
  const p = await startPrometheus(t, testConfig([gw, other]))
  const deadline = Date.now() + 25_000
  const up = await p.waitFor('up{job="socketgate"} == 1', (r) => r.length === 2, deadline)
  t.equal(up.length, 2, 'Prometheus scrapes both nodes')

  const ws = await traffic(t, gw)
  // A message sent on the other node reaches the room's members here through Redis.
  const remote = await connectClient(t, other)
  await remote.timeout(2000).emitWithAck('room:join', 'lobby')
  const crossed = nextEvent(ws, 'message:new')
  t.match(await remote.timeout(2000).emitWithAck('message:send', { content: 'from the other node', room: 'lobby' }), { ok: true })
  t.match(await crossed, [{ content: 'from the other node' }])
  // The traffic's last publish request is in Prometheus: everything before it is too.
  const published = await p.waitFor('sum(socketgate_publish_requests_total)', (r) => Number(r[0]?.value[1]) === 3, deadline)
  t.equal(Number(published[0]?.value[1]), 3, 'the publish requests were scraped')

  // The traffic shows up as what it was, through Prometheus.
  const expected: Array<[string, number]> = [
    ['socketgate_publish_requests_total{status_code="200"}', 1],
    ['socketgate_publish_requests_total{status_code="401"}', 1],
    ['socketgate_publish_requests_total{status_code="400"}', 1],
    ['socketgate_socket_connect_errors_total{reason="auth refused"}', 1],
    ['socketgate_socket_disconnects_total{reason="ping timeout"}', 1],
    ['socketgate_engine_handshake_errors_total{reason="session id unknown"}', 1],
    ['socketgate_engine_upgrades_total{transport="websocket"}', 1],
    ['socketgate_connection_recoveries_total{outcome="not_recovered",reason="unknown_session"}', 1],
    ['socketgate_server_ack_timeouts_total{namespace="/chat"}', 1],
    ['socketgate_events_refused_total{reason="SG_INVALID_PAYLOAD"}', 1],
    ['socketgate_cluster_messages_received_total{type="broadcast"}', 1],
    ['socketgate_heartbeat_rtt_seconds_count', 1],
    ['socketgate_server_ack_rtt_seconds_count{namespace="/"}', 1],
    ['socketgate_event_handler_duration_seconds_count{event="message:send"}', 2],
    ['socketgate_publish_handoff_seconds_count', 1],
    ['socketgate_admin_login_failures_total', 1],
    ['socketgate_admin_actions_total{action="disconnect"}', 1]
  ]
  for (const [selector, min] of expected) {
    const r = await p.waitFor(`sum(${selector})`, (r) => Number(r[0]?.value[1]) >= min, deadline)
    t.ok(Number(r[0]?.value[1]) >= min, `${selector} >= ${min}`)
  }

  const queries = [...dashboardQueries(), ...ruleQueries()]
  t.ok(queries.length > 50, `${queries.length} queries`)
  for (const q of queries) {
    const expr = substitute(q.expr)
    if (!('alert' in q)) {
      const result = await p.waitFor(expr, (r) => r.length > 0, deadline)
      t.ok(result.length > 0, `${q.where}: returns data`, { expr })
      continue
    }
    // An alert is quiet in a healthy run: its expression must run, and each series it compares
    // must exist.
    for (const name of metricNames(expr)) {
      const series = await p.waitFor(name, (r) => r.length > 0, deadline)
      t.ok(series.length > 0, `${q.where}: ${name} returns data`)
    }
    await t.resolves(p.query(expr), `${q.where}: runs`)
  }
})
