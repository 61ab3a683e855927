// Who may log in to the admin UI. Secure by default and still zero set-up: without a configured
// hash, a random password is made at start; the UI is open only behind an explicit switch.
import { randomBytes } from 'node:crypto'
import bcrypt from 'bcryptjs'
import type { Config } from '../config.js'

export type AdminAuth = false | { type: 'basic', username: string, password: string }

export interface AdminCredentials {
  /** The `auth` option of admin-ui's `instrument()`; `password` is a bcrypt hash. */
  auth: AdminAuth
  /** Set when the gateway made the password itself: the operator learns it from the start-up log. */
  generatedPassword?: string
}

// bcrypt's cost slows down guessing of human-chosen passwords. A secret of 144 random bits
// cannot be guessed at any cost, so the generated one uses the minimum: cost 10 took ~0.1 s of
// CPU at every start (and every test gateway); cost 4 takes ~2 ms.
const GENERATED_COST = 4

export async function adminCredentials (config: Config): Promise<AdminCredentials> {
  if (config.adminInsecureNoAuth) return { auth: false }
  const username = config.adminUsername
  if (config.adminPasswordHash !== undefined) {
    return { auth: { type: 'basic', username, password: config.adminPasswordHash } }
  }
  const generatedPassword = randomBytes(18).toString('base64url')
  const password = await bcrypt.hash(generatedPassword, GENERATED_COST)
  return { auth: { type: 'basic', username, password }, generatedPassword }
}
