// A port nobody listens on right now, for a server process that must be told its port (a child
// process cannot listen on 0 and report back before the test needs the address).
import { createServer } from 'node:net'

export async function freePort (): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as { port: number }
  await new Promise((resolve) => probe.close(resolve))
  return port
}
