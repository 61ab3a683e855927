// docker-compose.yml checked without Docker (no daemon on these machines): it parses, what it
// builds and mounts exists, images are pinned, the gateways use real settings, and Prometheus,
// Grafana and the load balancer point at the services the file defines. The load balancer's
// config passes `haproxy -c`.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { settingsTable } from '../../src/config.js'
import { RULE_FILES, dashboardFiles, readYaml, repoPath, type Dashboard } from './helpers.js'

const run = promisify(execFile)

interface Service {
  image?: string
  build?: string | { context: string, dockerfile?: string }
  environment?: Record<string, string>
  volumes?: string[]
  ports?: string[]
  expose?: string[]
  depends_on?: string[] | Record<string, unknown>
}
const compose = readYaml(repoPath('docker-compose.yml')) as { services: Record<string, Service> }
const services = compose.services
const gateways = Object.keys(services).filter((name) => services[name]!.build !== undefined)

/** The value compose would use when the variable is unset: `${NAME:-default}` → default. */
const interpolate = (value: string): string => String(value).replace(/\$\{\w+:-([^}]*)\}/g, '$1').replace(/\$\{\w+\}/g, '')

/** Bind mounts of a service as [source in the repo, target in the container]. */
const binds = (s: Service): Array<[string, string]> =>
  (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => { const [src, dst] = v.split(':'); return [src!, dst!] })

/** The container path a repo path is mounted at, through the bind mounts of a service. */
function containerPath (s: Service, repoRelative: string): string | undefined {
  for (const [src, dst] of binds(s)) {
    const from = posix.normalize(src)
    const path = posix.normalize(repoRelative)
    if (path === from) return dst
    if (path.startsWith(from + '/')) return dst + path.slice(from.length)
  }
  return undefined
}

t.test('the gateways are built from the Dockerfile with settings the gateway knows', async (t) => {
  t.ok(gateways.length >= 2, `${gateways.length} gateway nodes`)
  const known = new Set(settingsTable().map((s) => s.env))
  for (const name of gateways) {
    const s = services[name]!
    const context = typeof s.build === 'string' ? s.build : s.build!.context
    t.ok(existsSync(repoPath(context, 'Dockerfile')), `${name}: builds ${context}/Dockerfile`)
    const env = s.environment ?? {}
    for (const key of Object.keys(env)) t.ok(known.has(key), `${name}: ${key} is a gateway setting`)
    t.equal(new URL(interpolate(env.REDIS_URL!)).hostname, 'redis', `${name}: joins the cluster on the redis service`)
    t.ok(services.redis, 'there is a redis service')
    t.ok(interpolate(env.PUBLISH_API_KEY ?? '').length >= 16, `${name}: the default publish key is long enough to start`)
    t.equal(env.NODE_ID, name, `${name}: NODE_ID names the node like its service`)
  }
})

t.test('every image is pinned to a version', async (t) => {
  for (const [name, s] of Object.entries(services)) {
    if (s.build !== undefined) continue
    t.match(s.image, /^[\w./-]+:v?\d+\.\d+\.\d+[\w.-]*$/, `${name}: ${s.image} names an exact version`)
  }
})

t.test('every file or folder the compose file mounts exists, and every dependency is a service', async (t) => {
  for (const [name, s] of Object.entries(services)) {
    for (const [src] of binds(s)) t.ok(existsSync(repoPath(src)), `${name}: ${src} exists`)
    const deps = Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {})
    for (const dep of deps) t.ok(services[dep], `${name}: depends on the service ${dep}`)
  }
})

t.test('Prometheus scrapes every gateway service on its METRICS_PORT and loads the rules where they are mounted', async (t) => {
  const prom = services.prometheus!
  t.equal(containerPath(prom, './prometheus.yml'), '/etc/prometheus/prometheus.yml')
  t.ok((prom as { command?: string[] }).command?.includes('--config.file=/etc/prometheus/prometheus.yml'))
  const config = readYaml(repoPath('prometheus.yml')) as { rule_files: string[], scrape_configs: Array<{ job_name: string, static_configs: Array<{ targets: string[] }> }> }
  const job = config.scrape_configs.find((s) => s.job_name === 'socketgate')
  t.ok(job, 'the alerts\' job "socketgate" is scraped')
  const targets = job!.static_configs.flatMap((c) => c.targets).sort()
  const expected = gateways.map((g) => `${g}:${services[g]!.environment!.METRICS_PORT}`).sort()
  t.same(targets, expected, 'one target per gateway service, on its METRICS_PORT')
  for (const g of gateways) t.ok(services[g]!.expose?.includes(services[g]!.environment!.METRICS_PORT!), `${g} exposes its METRICS_PORT`)

  // rule_files are relative to prometheus.yml: each rule file must be mounted at that place.
  for (const file of RULE_FILES()) {
    const relative = './' + file.slice(repoPath().length)
    const inContainer = containerPath(prom, relative)
    t.ok(inContainer, `${relative} is mounted`)
    const matched = config.rule_files.some((glob) => new RegExp('^' + posix.join('/etc/prometheus', glob).replace(/\./g, '\\.').replace(/\*/g, '[^/]*') + '$').test(inContainer ?? ''))
    t.ok(matched, `${relative} is loaded by prometheus.yml's rule_files in the container`)
  }
})

t.test('Grafana loads the provisioned datasource and the dashboards folder', async (t) => {
  const grafana = services.grafana!
  t.equal(containerPath(grafana, './monitoring/grafana/provisioning'), '/etc/grafana/provisioning')
  const ds = readYaml(repoPath('monitoring/grafana/provisioning/datasources/prometheus.yml')) as { datasources: Array<{ uid: string, url: string, type: string }> }
  const url = new URL(ds.datasources[0]!.url)
  t.equal(url.hostname, 'prometheus', 'the datasource is the prometheus service')
  t.equal(url.port, '9090')
  for (const [file, text] of dashboardFiles()) {
    const variable = (JSON.parse(text) as Dashboard).templating.list.find((v) => v.name === 'datasource') as { current?: { value?: string } } | undefined
    t.equal(variable?.current?.value, ds.datasources[0]!.uid, `${file} opens on the provisioned datasource`)
  }

  const providers = readYaml(repoPath('monitoring/grafana/provisioning/dashboards/socketgate.yml')) as { providers: Array<{ options: { path: string } }> }
  t.equal(providers.providers[0]!.options.path, containerPath(grafana, './dashboards'), 'the provider reads the mounted dashboards/')
  const home = grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!
  t.equal(home, containerPath(grafana, './dashboards/gateway-overview.json'), 'the home dashboard is the overview')
  t.ok(existsSync(repoPath('dashboards', 'gateway-overview.json')))
})

t.test('the load balancer config balances exactly the gateway services and passes haproxy -c', async (t) => {
  const lb = services.loadbalancer!
  const [[src]] = binds(lb) as [[string, string]]
  t.equal(containerPath(lb, src), '/usr/local/etc/haproxy/haproxy.cfg')
  const cfg = readFileSync(repoPath(src), 'utf8')
  const servers = [...cfg.matchAll(/^\s*server\s+\S+\s+([\w.-]+):(\d+)/gm)].map((m) => ({ host: m[1]!, port: m[2]! }))
  t.same(servers.map((s) => s.host).sort(), [...gateways].sort(), 'one server line per gateway service')
  for (const s of servers) t.equal(s.port, services[s.host]?.environment?.PORT, `${s.host}: the port its PORT setting listens on`)
  const bind = /^\s*bind\s+\*:(\d+)/m.exec(cfg)?.[1]
  t.ok(lb.ports?.some((p) => p.endsWith(`:${bind}`)), `the published port reaches HAProxy's bind port ${bind}`)

  // HAProxy resolves server names when it loads: the compose names exist only inside Docker.
  const dir = mkdtempSync(join(tmpdir(), 'socketgate-haproxy-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const local = cfg.replace(/^(\s*server\s+\S+\s+)[\w.-]+(:\d+)/gm, '$1127.0.0.1$2')
  writeFileSync(join(dir, 'haproxy.cfg'), local)
  const { stdout, stderr } = await run('haproxy', ['-c', '-f', join(dir, 'haproxy.cfg')])
  t.match(stdout + stderr, /Configuration file is valid/)
})
