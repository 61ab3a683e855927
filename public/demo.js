// The demo page: socketgate's chat protocol in a browser. What it shows comes from the gateway:
// rooms from the acks of room:join/room:leave, your name from your own messages, the mode (JWT
// or not) from /demo/config.json. Plain script, no build step: the client bundle is the one
// Socket.IO serves at /socket.io/socket.io.min.js.
/* global io */
'use strict'

const $ = (id) => document.getElementById(id)
const state = {
  config: { authMode: 'none', defaultRoom: 'chat-general', recovery: false },
  socket: undefined,
  /** room → 'joined' | 'joining' | 'leaving' */
  rooms: new Map(),
  selected: undefined,
  /** Ids of messages this tab sent (from the acks), so they show as its own. */
  own: new Set(),
  name: undefined,
  /** The gateway said the token expired: the disconnect that follows is explained by it. */
  expired: false
}

// Words for the codes of docs/errors.md a user of this page can meet.
const CODES = {
  SG_AUTH_REQUIRED: 'This gateway needs a token (it runs with AUTH_MODE=jwt): paste one above and connect.',
  SG_AUTH_INVALID: 'The gateway refused the token.',
  SG_TOKEN_EXPIRED: 'Your token has expired: paste a new one and connect.',
  SG_DRAINING: 'This gateway is shutting down; trying again…',
  SG_INVALID_PAYLOAD: 'The gateway did not accept that message.',
  SG_INVALID_ROOM: 'That room name is not allowed.',
  SG_ROOM_FORBIDDEN: 'Your token does not allow that room.',
  SG_NOT_IN_ROOM: 'You are not in that room: join it first.',
  SG_TOO_MANY_ROOMS: 'You are in as many rooms as allowed: leave one first.'
}

const REASONS = {
  'io server disconnect': 'The gateway disconnected you.',
  'io client disconnect': 'You disconnected.',
  'transport close': 'The connection was lost; reconnecting…',
  'transport error': 'The connection failed; reconnecting…',
  'ping timeout': 'The gateway stopped answering; reconnecting…',
  'parse error': 'The gateway sent something this page could not read; reconnecting…'
}

const TRANSPORTS = { websocket: 'WebSocket', polling: 'long-polling', webtransport: 'WebTransport' }

function el (tag, attrs = {}, ...children) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') node.className = v
    else if (k.startsWith('data-')) node.setAttribute(k, v)
    else node[k] = v
  }
  for (const child of children) node.append(child)
  return node
}

function add (node) {
  const log = $('log')
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40
  log.append(node)
  if (atBottom) log.scrollTop = log.scrollHeight
}

const system = (text) => add(el('li', { class: 'sys' }, text))

/** An error in words, with the gateway's own message and its code kept at hand for a bug report. */
function problem (code, message) {
  const words = CODES[code]
  add(el('li', { class: 'error', 'data-code': code || '' },
    el('b', {}, words || message || 'Something went wrong.'),
    words && message ? el('span', { class: 'detail' }, ` ${message}`) : '',
    code ? el('code', {}, code) : ''))
}

function setStatus (kind, text) {
  $('status').dataset.state = kind
  $('status').textContent = text
}

function transportName (socket) {
  const name = socket.io.engine?.transport?.name
  return TRANSPORTS[name] || name || 'unknown transport'
}

function connectedStatus (socket) {
  const upgrading = socket.io.engine?.transport?.name === 'polling' && socket.io.engine?.upgrading !== false
  const how = `over ${transportName(socket)}`
  setStatus(socket.recovered ? 'recovered' : 'connected', socket.recovered
    ? `Connected ${how}: session recovered, missed messages replayed`
    : `Connected ${how}${upgrading ? ' (upgrading…)' : ''}`)
}

function renderRooms () {
  const list = $('rooms')
  list.replaceChildren()
  for (const [room, roomState] of state.rooms) {
    const leave = el('button', { type: 'button', title: `Leave ${room}`, textContent: '×' })
    leave.setAttribute('aria-label', `Leave ${room}`)
    leave.onclick = (e) => { e.stopPropagation(); leaveRoom(room) }
    const item = el('li', { 'data-room': room, 'data-state': roomState }, el('span', {}, room), roomState === 'joined' ? '' : el('span', { class: 'state' }, roomState + '…'), leave)
    item.setAttribute('aria-selected', String(room === state.selected))
    item.onclick = () => { state.selected = room; renderRooms() }
    list.append(item)
  }
  const canSend = state.socket?.connected && state.rooms.get(state.selected) === 'joined'
  $('content').disabled = !canSend
  $('send').querySelector('button').disabled = !canSend
  $('content').placeholder = canSend ? `Message to ${state.selected}` : 'Join a room to send'
}

async function joinRoom (room, select = false) {
  const socket = state.socket
  if (!socket?.connected) return
  if (state.rooms.get(room) !== 'joined') state.rooms.set(room, 'joining')
  renderRooms()
  let res
  try {
    res = await socket.timeout(5000).emitWithAck('room:join', room)
  } catch {
    res = { ok: false, error: { code: '', message: 'The gateway did not answer in time.' } }
  }
  if (res.ok) {
    state.rooms.set(room, 'joined')
    if (select || state.selected === undefined || state.rooms.get(state.selected) !== 'joined') state.selected = room
  } else {
    state.rooms.delete(room)
    problem(res.error.code, res.error.message)
  }
  renderRooms()
}

async function leaveRoom (room) {
  const socket = state.socket
  if (!socket?.connected) { state.rooms.delete(room); renderRooms(); return }
  state.rooms.set(room, 'leaving')
  renderRooms()
  const res = await socket.timeout(5000).emitWithAck('room:leave', room).catch(() => ({ ok: false, error: { code: '', message: 'The gateway did not answer in time.' } }))
  if (res.ok) {
    state.rooms.delete(room)
    if (state.selected === room) state.selected = [...state.rooms.keys()][0]
    system(`You left ${room}.`)
  } else {
    state.rooms.set(room, 'joined')
    problem(res.error.code, res.error.message)
  }
  renderRooms()
}

function showMessage (m) {
  const own = state.own.has(m.id)
  if (own && state.name !== m.author) { state.name = m.author; showMe() }
  const time = new Date(m.timestamp).toLocaleTimeString()
  add(el('li', { class: own ? 'msg own' : 'msg', 'data-id': m.id, 'data-room': m.room },
    el('span', { class: 'meta' }, `${own ? 'you' : m.author} · ${m.room} · ${time}`), m.content))
}

/** Any other event (the publish API's, your backend's): its name and payload. */
function showEvent (event, args) {
  const data = args.length === 0 ? '' : args.length === 1 ? args[0] : args
  add(el('li', { class: 'event', 'data-event': event }, `Event "${event}" (published to you)`, data === '' ? '' : el('pre', {}, JSON.stringify(data, null, 2))))
}

function showMe () {
  $('me').textContent = state.name ? `You appear as “${state.name}”.` : ''
}

function tokenClaims (token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')))
  } catch {
    return {}
  }
}

function connect () {
  if (state.socket) { state.socket.removeAllListeners(); state.socket.io.removeAllListeners?.(); state.socket.disconnect() }
  const name = $('name').value.trim()
  const token = $('token').value.trim()
  const auth = state.config.authMode === 'jwt' ? { token } : { name }
  // CONNECTION_RECOVERY=auto recovers the sessions of the clients that ask (docs/delivery.md).
  if (state.config.recovery) auth.recovery = true
  const socket = io({ auth })
  state.socket = socket
  state.own.clear()
  state.expired = false
  state.name = state.config.authMode === 'jwt' ? tokenClaims(token).sub : undefined
  showMe()
  setStatus('connecting', 'Connecting…')

  socket.on('connect', async () => {
    connectedStatus(socket)
    // The name the gateway gives this handshake (src/realtime/auth.ts, noAuth); own messages confirm it.
    if (state.config.authMode === 'none') state.name = /^[\p{L}\p{N} _.-]{1,32}$/u.test(name) ? name : `guest-${socket.id.slice(0, 6)}`
    showMe()
    if (socket.recovered) {
      system('Reconnected: the gateway kept your rooms and replayed what you missed.')
      renderRooms()
      return
    }
    // A new session is in the default room at most: join the others again. The acks say
    // where this tab really is.
    const rooms = state.rooms.size > 0 ? [...state.rooms.keys()] : [state.config.defaultRoom]
    state.rooms = new Map(rooms.map((r) => [r, 'joining']))
    renderRooms()
    await Promise.all(rooms.map((room) => joinRoom(room)))
  })
  socket.io.on('open', () => socket.io.engine.on('upgrade', () => { if (socket.connected) connectedStatus(socket) }))
  socket.on('disconnect', (reason) => {
    renderRooms()
    if (state.expired) return
    const words = REASONS[reason] || `Disconnected (${reason}).`
    setStatus(socket.active ? 'reconnecting' : 'disconnected', words)
    system(words)
    renderRooms()
  })
  socket.io.on('reconnect_attempt', (attempt) => setStatus('reconnecting', `Reconnecting (attempt ${attempt})…`))
  socket.on('connect_error', (err) => {
    const code = err.data?.code
    setStatus(socket.active ? 'reconnecting' : 'error', code ? (CODES[code] || err.message) : `Cannot connect: ${err.message}`)
    problem(code, err.message)
  })
  socket.on('message:new', showMessage)
  socket.on('auth:expired', (info) => {
    state.expired = true
    problem(info.code, info.message)
    setStatus('error', CODES.SG_TOKEN_EXPIRED)
  })
  socket.onAny((event, ...args) => {
    if (event === 'message:new' || event === 'auth:expired' || event === 'session:ready') return
    // With connection state recovery the gateway appends its offset to every event without an
    // ack (README, "Connection state recovery"): not part of what was published.
    showEvent(event, state.config.recovery ? args.slice(0, -1) : args)
  })
}

$('who').onsubmit = (e) => { e.preventDefault(); connect() }
$('disconnect').onclick = () => { state.socket?.disconnect() }
$('join').onsubmit = (e) => {
  e.preventDefault()
  const room = $('room').value.trim()
  if (room === '') return
  $('room').value = ''
  joinRoom(room, true)
}
$('send').onsubmit = async (e) => {
  e.preventDefault()
  const content = $('content').value
  if (content.trim() === '' || !state.socket) return
  const room = state.selected
  let res
  try {
    res = await state.socket.timeout(5000).emitWithAck('message:send', { content, room })
  } catch {
    res = { ok: false, error: { code: '', message: 'The gateway did not answer in time; the message may not have been sent.' } }
  }
  if (!res.ok) return problem(res.error.code, res.error.message)
  $('content').value = ''
  state.own.add(res.id)
  // The message usually arrives before its ack: mark it as ours now.
  const shown = document.querySelector(`#log li[data-id="${res.id}"]`)
  if (shown) {
    shown.classList.add('own')
    shown.querySelector('.meta').textContent = shown.querySelector('.meta').textContent.replace(/^[^·]+·/, 'you ·')
  }
}
$('name').oninput = () => { $('connect').textContent = state.socket?.connected ? 'Reconnect' : 'Connect' }

fetch('/demo/config.json').then((r) => r.json()).then((config) => {
  state.config = config
  const jwt = config.authMode === 'jwt'
  $('token-field').hidden = !jwt
  $('token-help').hidden = !jwt
  $('name').closest('label').hidden = jwt
  if (jwt) setStatus('disconnected', 'Paste a token to connect')
  else connect()
}, () => { connect() })
