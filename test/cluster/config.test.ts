// The scale-out settings: refused at start with the key's name, the URL never echoed back.
import t from 'tap'
import { Adapter } from 'socket.io-adapter'
import { fromEnv, resolveConfig, type ConfigInput } from '../../src/config.js'
import { ConfigError } from '../../src/errors.js'
import { startGateway } from '../../src/testing.js'

function refusal (input: ConfigInput): ConfigError {
  try {
    resolveConfig(input)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

t.test('without REDIS_URL the gateway is a single node with the in-memory adapter', async (t) => {
  const gw = await startGateway(t)
  t.equal(gw.app.cluster.enabled, false)
  t.same(gw.app.cluster.nodes(), [gw.app.cluster.nodeId])
  // In memory: socket.io-adapter's Adapter itself, or with CONNECTION_RECOVERY=auto (the default)
  // the per-client recovery adapter built on it (src/recovery/local-store.ts); never a cluster one.
  const adapter = gw.io.of('/').adapter
  t.ok(adapter instanceof Adapter, `an in-memory adapter (${adapter.constructor.name})`)
  t.equal(adapter.constructor.name, 'LocalSessionAdapter', 'the per-client recovery adapter, CONNECTION_RECOVERY=auto')
  const ready = await gw.app.inject('/readyz')
  t.same(Object.keys(ready.json().checks), [], 'no redis check')
  const plain = await startGateway(t, { connectionRecovery: false })
  t.equal(plain.io.of('/').adapter.constructor.name, 'Adapter', 'CONNECTION_RECOVERY=false: socket.io-adapter\'s own')
})

t.test('REDIS_URL must be a redis:// or rediss:// URL, and a wrong one is not echoed (it may hold a password)', async (t) => {
  const err = refusal({ redisUrl: 'http://user:hunter2@cache:6379' })
  t.equal(err.code, 'SG_CONFIG_INVALID')
  t.equal(err.message, 'REDIS_URL: (hidden) is not valid; expected a URL like redis://host:6379 or rediss://user:password@host:6380/0')
  t.notMatch(err.message, /hunter2/)
})

t.test('the node timeout must be above the heartbeat', async (t) => {
  const err = refusal({ clusterHeartbeatMs: 5000, clusterNodeTimeoutMs: 5000 })
  t.equal(err.message, 'CLUSTER_NODE_TIMEOUT_MS: 5000 is not above CLUSTER_HEARTBEAT_MS (5000); expected a timeout of a few heartbeats')
})

t.test('a node id and a key prefix are names, not free text', async (t) => {
  t.match(refusal({ nodeId: 'node one' }).message, /^NODE_ID: "node one" is not valid; expected letters, digits/)
  t.match(refusal({ redisKeyPrefix: '' }).message, /^REDIS_KEY_PREFIX: "" is not valid/)
})

t.test('the settings come from the environment', async (t) => {
  t.same(fromEnv({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: 'app1', NODE_ID: 'gw-1', CLUSTER_HEARTBEAT_MS: '1000' }), {
    redisUrl: 'redis://127.0.0.1:6379', redisKeyPrefix: 'app1', nodeId: 'gw-1', clusterHeartbeatMs: 1000
  })
})
