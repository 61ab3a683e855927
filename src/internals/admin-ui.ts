// The admin UI bundle's internals the gateway relies on (@socket.io/admin-ui's ui/dist, a built
// Vue app): small patches of its app script, each found by its exact text. At start-up each must
// match exactly once; one that no longer does is left out and named in a warning, and the UI works
// without it (test/internals/admin-ui.test.ts fails when an update of the package changes one).
// Written against @socket.io/admin-ui 0.5.1.

export type AdminMode = 'operator' | 'production' | 'development'

interface Patch {
  /** What the UI loses when the patch no longer applies (for the start-up warning). */
  without: string
  modes: readonly AdminMode[]
  find: RegExp
  replace: string
}

const ALL_MODES: readonly AdminMode[] = ['operator', 'production', 'development']

export const PATCHES: readonly Patch[] = [
  {
    // The connection dialog starts with an empty "Server URL" that the operator must type.
    // Defaulting it to the page's origin means opening /admin is enough. The UI only remembers a
    // URL after a first successful login (localStorage), so this is the one spot that sets it.
    without: 'the login dialog will not pre-fill this gateway\'s URL; type it in',
    modes: ALL_MODES,
    find: /serverUrl:this\.initialServerUrl(?=,)/,
    replace: 'serverUrl:this.initialServerUrl||location.origin'
  },
  {
    // The page script (admin-page/) reaches the UI's Socket.IO connection through the object the
    // app keeps it in (its SocketHolder module), to search and to hear the list's totals.
    without: 'the Sockets page has no search and no "N of M" line',
    modes: ['operator'],
    find: /\{set socket\((\w+)\)\{this\._socket=\1\},get socket\(\)\{return this\._socket\}\}/,
    replace: '(window.socketgateAdmin=$&)'
  },
  {
    // And the app's Vuex store: the UI selects a namespace only when its first socket list is not
    // empty; the page script selects one when the first socket arrives later.
    without: 'the Sockets page stays empty until a namespace is picked by hand when the list at login was empty',
    modes: ['operator'],
    find: /new [\w$]+(?:\["\w+"\])?\.Store\(\{modules:\{config:[\w$]+,connection:[\w$]+,main:[\w$]+,servers:[\w$]+\}\}\)/,
    replace: '(window.socketgateStore=$&)'
  },
  {
    // The user (socket.data.user in operator mode) and node beside each socket id, in the Sockets
    // table, a room's sockets and the Clients table.
    without: 'the Sockets table has no User and Node columns',
    modes: ['operator'],
    find: /\{text:"#",value:"id",align:"start"\}(?=,\{text:this\.\$t\("sockets\.address"\),value:"handshake\.address"\})/,
    replace: '$&,{text:"User",value:"data.user"},{text:"Node",value:"data.node"}'
  },
  {
    without: 'a room\'s socket table has no User column',
    modes: ['operator'],
    find: /\{text:this\.\$t\("id"\),value:"id",align:"start"\}(?=,\{text:this\.\$t\("sockets\.address"\),value:"handshake\.address"\})/,
    replace: '$&,{text:"User",value:"data.user"}'
  },
  {
    without: 'the Clients table has no User column',
    modes: ['operator'],
    find: /\{text:"#",value:"id",align:"start"\}(?=,\{text:this\.\$t\("sockets\.address"\),value:"address"\})/,
    replace: '$&,{text:"User",value:"sockets.0.data.user"}'
  }
]

/** Applies the patches of `mode` that match `source` exactly once; names the others. */
export function patchAppScript (source: string, mode: AdminMode): { body: string, missing: string[] } {
  let body = source
  const missing: string[] = []
  for (const patch of PATCHES) {
    if (!patch.modes.includes(mode)) continue
    const global = new RegExp(patch.find.source, 'g')
    if ((body.match(global) ?? []).length !== 1) {
      missing.push(patch.without)
      continue
    }
    body = body.replace(patch.find, patch.replace)
  }
  return { body, missing }
}

// ADMIN_MODE=development runs admin-ui's own server, `instrument()`. Two of its habits are
// contained by wrapping what it installs during that one synchronous call (nothing else runs
// meanwhile): the 2 s stats timer it starts with setInterval and never stops (a closed gateway
// would go on emitting and stay in memory), and its async 'connection' listener on the admin
// namespace, whose rejections (a cluster's fetchSockets that times out) would end the process.

type Listener = (...args: unknown[]) => unknown
interface Listening { on: (event: string, fn: Listener) => unknown }

/**
 * Runs `instrument` with every setInterval it starts recorded and every listener it adds to
 * `nsp` passed through `contain`. `timers` is not 1 when admin-ui changed how it keeps its stats.
 */
export function containInstrument (nsp: object, instrument: () => void, contain: (fn: Listener) => Listener): { timers: NodeJS.Timeout[] } {
  const timers: NodeJS.Timeout[] = []
  const realSetInterval = globalThis.setInterval
  const shadowed = nsp as Listening
  const { on } = shadowed
  globalThis.setInterval = ((...args: Parameters<typeof setInterval>) => {
    const timer = realSetInterval(...args)
    timers.push(timer)
    return timer
  }) as typeof setInterval
  shadowed.on = (event, fn) => on.call(nsp, event, contain(fn))
  try {
    instrument()
  } finally {
    globalThis.setInterval = realSetInterval
    // Back to the prototype's method.
    delete (shadowed as Partial<Listening>).on
  }
  return { timers }
}
