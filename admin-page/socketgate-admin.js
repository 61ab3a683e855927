// The gateway's additions to the Socket.IO Admin UI page (served at /admin/socketgate-admin.js,
// loaded after the app's own scripts; see src/admin/page.ts). Plain DOM, no framework, nothing
// from another origin. It shows a panel above each page that says what the gateway's ADMIN_MODE
// shows there and why, and in operator mode the lists' totals and a search across every node.
// Everything a client chose (user names) goes in through textContent, never as HTML.
(function () {
  'use strict'
  const script = document.currentScript
  const mode = script.dataset.mode
  const number = new Intl.NumberFormat('en')

  const state = { socket: undefined, list: undefined, features: [], results: undefined, searching: false, error: '' }

  // The app keeps its Socket.IO connection in an object a bundle patch exposes
  // (src/internals/admin-ui.ts); wrapping its
  // setter hears of each new connection in the tick the app makes it, before any event arrives.
  const holder = window.socketgateAdmin
  if (holder) {
    let current = holder.socket
    Object.defineProperty(holder, 'socket', {
      configurable: true,
      get () { return current },
      set (socket) {
        current = socket
        attach(socket)
      }
    })
    if (current) attach(current)
  }

  function attach (socket) {
    if (!socket || socket === state.socket) return
    state.socket = socket
    state.list = undefined
    state.results = undefined
    socket.on('config', (config) => { state.features = config.supportedFeatures || []; render() })
    socket.on('socketgate:list', (info) => { state.list = info; render() })
    socket.on('socket_disconnected', (nsp, id) => {
      const found = state.results && state.results.find((s) => s.id === id && s.nsp === nsp)
      if (found) { found.gone = true; render() }
    })
  }

  function page () {
    const match = /^#\/(\w+)/.exec(location.hash)
    const first = match ? match[1] : ''
    return { n: 'detail', sockets: 'sockets', rooms: 'rooms', clients: 'clients', events: 'events' }[first] || 'other'
  }

  function el (tag, attrs, children) {
    const node = document.createElement(tag)
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === 'text') node.textContent = value
      else if (key === 'style') node.style.cssText = value
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value)
      else node.setAttribute(key, value)
    }
    for (const child of children || []) if (child) node.append(child)
    return node
  }

  const code = (text) => el('code', { text })
  const para = (...parts) => el('p', { style: 'margin: 0 0 6px' }, parts.map((p) => typeof p === 'string' ? document.createTextNode(p) : p))

  function productionNotice (what) {
    return [
      para(`This gateway runs the admin UI in production mode (`, code('ADMIN_MODE=production'), `): it sends the dashboard's totals only, so ${what} stays empty here.`),
      para('To see and manage sockets, rooms and clients, set ', code('ADMIN_MODE=operator'),
        ' (the default) and restart the gateway: operators then get each socket\'s id, user, transport, address, rooms and connection time, never a message or its payload. ',
        code('ADMIN_MODE=development'), ' also copies every message with its payload to this page: for local debugging only.')
    ]
  }

  function listLine () {
    const info = state.list
    if (!info) return para('Gathering the most recent sockets from every node…')
    const partial = info.complete ? '' : ' Some nodes did not answer in time: the total counts the others.'
    if (info.shown >= info.total) {
      return para(`All ${number.format(info.total)} sockets in the cluster are shown; new ones are added as they connect, up to ${number.format(info.limit)} (`,
        code('ADMIN_SOCKET_LIST_MAX'), '). Search by user or socket id finds a socket on any node.' + partial)
    }
    return para(`Showing ${number.format(info.shown)} of ${number.format(info.total)} sockets in the cluster: the most recent at login, then new ones while fewer than ${number.format(info.limit)} are shown (`,
      code('ADMIN_SOCKET_LIST_MAX'), '). Search by user or socket id to find any other, on any node.' + partial)
  }

  // Built once: re-rendering it would lose what the operator is typing.
  const input = el('input', {
    type: 'search', placeholder: 'user or socket id', 'aria-label': 'Search sockets by user or socket id', maxlength: '128',
    style: 'border: 1px solid rgba(0,0,0,.38); border-radius: 4px; padding: 6px 10px; min-width: 280px; font: inherit; color: inherit; background: transparent'
  })
  const buttonLabel = el('span', { class: 'v-btn__content', text: 'Search' })
  const button = el('button', { type: 'submit', class: 'v-btn v-btn--is-elevated v-btn--has-bg theme--light v-size--default primary', style: 'margin-left: 8px' }, [buttonLabel])
  const form = el('form', {
    role: 'search',
    style: 'display: flex; align-items: center; margin: 8px 0',
    onsubmit: (event) => {
      event.preventDefault()
      search(input.value.trim())
    }
  }, [input, button])

  function searchForm () {
    buttonLabel.textContent = state.searching ? 'Searching…' : 'Search'
    if (state.searching || !state.socket) button.setAttribute('disabled', 'disabled')
    else button.removeAttribute('disabled')
    return form
  }

  function search (query) {
    if (!query || !state.socket || state.searching) return
    state.query = query
    state.searching = true
    state.error = ''
    render()
    state.socket.timeout(10000).emit('socketgate:search', query, (err, answer) => {
      state.searching = false
      if (err) state.error = 'The gateway did not answer within 10 s.'
      else if (!answer.ok) state.error = `${answer.error.message} (${answer.error.code})`
      else {
        state.results = answer.sockets
        if (!answer.complete) state.error = 'Some nodes did not answer in time: their sockets are missing from these results.'
      }
      render()
    })
  }

  function results () {
    if (state.error) return para(state.error)
    if (!state.results) return undefined
    if (state.results.length === 0) return para(`No socket of a user matching "${state.query}", nor with that id, on any node.`)
    const canDisconnect = state.features.includes('DISCONNECT')
    const head = el('tr', {}, ['User', 'Socket', 'Node', 'Address', 'Connected since', ''].map((h) => el('th', { class: 'text-start', text: h })))
    const rows = state.results.map((s) => el('tr', { 'data-socket-id': s.id }, [
      el('td', { text: s.data.user || '' }),
      el('td', {}, [s.gone ? el('span', { text: s.id }) : el('a', { href: `#/n/${encodeURIComponent(s.nsp)}/sockets/${encodeURIComponent(s.id)}`, text: s.id })]),
      el('td', { text: s.data.node || '' }),
      el('td', { text: s.handshake.address }),
      el('td', { text: new Date(s.handshake.issued).toLocaleString() }),
      el('td', { class: 'text-end' }, [s.gone
        ? el('span', { text: 'disconnected' })
        : canDisconnect
          ? el('button', {
            type: 'button', class: 'v-btn v-btn--is-elevated v-btn--has-bg theme--light v-size--small', text: 'Disconnect',
            onclick: () => { state.socket.emit('_disconnect', s.nsp, false, s.id) }
          })
          : undefined])
    ]))
    const shown = state.results.length === 50 ? ' (the first 50; make the search narrower to see others)' : ''
    return el('div', {}, [
      para(`${state.results.length} socket(s) found${shown}. They are added to this UI's lists: open one for its details.`),
      el('div', { class: 'v-data-table theme--light' }, [el('div', { class: 'v-data-table__wrapper' }, [el('table', {}, [el('thead', {}, [head]), el('tbody', {}, rows)])])])
    ])
  }

  function content () {
    const where = page()
    if (mode === 'production') {
      const what = { sockets: 'the list of sockets', rooms: 'the list of rooms', clients: 'the list of clients', events: 'the list of events', detail: 'this page' }[where]
      return what ? productionNotice(what) : undefined
    }
    if (mode === 'development') {
      return where === 'events' || where === 'sockets'
        ? [para('Development mode (', code('ADMIN_MODE=development'), '): every event every client sends or receives is copied here with its payload. For local debugging only; ', code('ADMIN_MODE=operator'), ' shows sockets and rooms without payloads.')]
        : undefined
    }
    if (where === 'events') {
      return [
        para('Operator mode (', code('ADMIN_MODE=operator'), ') never sends a message or its payload to the admin UI, so no message event appears here: only connections, disconnections and room changes of the sockets this UI holds.'),
        para(code('ADMIN_MODE=development'), ' copies every event with its payload to operators: for local debugging only.')
      ]
    }
    if (where === 'sockets') return [listLine(), searchForm(), results()]
    if (where === 'detail') {
      return [para('Operator mode sends a socket\'s metadata only: its user and node (Data), address, transport, rooms and connection time. Its initial request\'s headers and query (cookies, tokens) are never sent, so that card stays empty.')]
    }
    if (where === 'rooms' || where === 'clients') {
      return [listLine(), para(`This page shows the ${where} of those sockets only. Search on the Sockets page adds others.`)]
    }
    return undefined
  }

  const panel = el('div', { id: 'socketgate-panel', role: 'note', style: 'margin: 12px 12px 0; padding: 12px 16px; border-left: 4px solid #1976d2; background: rgba(25,118,210,.08); border-radius: 4px; font-size: 14px; line-height: 1.5' })
  if (mode === 'production' || mode === 'development') panel.style.borderLeftColor = mode === 'development' ? '#fb8c00' : '#1976d2'

  function render () {
    const parts = (content() || []).filter(Boolean)
    // The form keeps its place (and the focus, and what is typed) across renders.
    const current = [...panel.childNodes]
    const same = parts.length === current.length && parts.every((p, i) => p === current[i])
    if (!same) {
      for (const node of current) if (!parts.includes(node)) node.remove()
      parts.forEach((part, i) => { if (panel.childNodes[i] !== part) panel.insertBefore(part, panel.childNodes[i] || null) })
    }
    panel.style.display = parts.length > 0 ? '' : 'none'
  }

  // Vue owns the page's elements; the panel sits first in the main area's wrapper, which Vue patches
  // in place, and is put back should a re-render ever drop it.
  function place () {
    const wrap = document.querySelector('.v-main__wrap')
    if (wrap && wrap.firstChild !== panel) wrap.prepend(panel)
    selectNamespace()
  }

  // The UI picks a namespace only when its first socket list is not empty: pick one as soon as
  // any socket arrives, or the Sockets page would stay empty.
  function selectNamespace () {
    const store = window.socketgateStore
    if (!store || store.state.main.selectedNamespace || store.state.main.namespaces.length === 0) return
    const namespaces = store.state.main.namespaces
    store.commit('main/selectNamespace', namespaces.find((n) => n.name === '/') || namespaces[0])
  }

  window.addEventListener('hashchange', () => { state.error = ''; render(); place() })
  setInterval(place, 500)
  render()
  place()
})()
