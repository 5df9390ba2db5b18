// Starts `towncockpit serve` on a random loopback port with a fresh temporary database and records
// its URL (with the per-run token) for the tests.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { startServe, stateFile, type ServeState } from './server'

export default async function globalSetup(): Promise<void> {
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), 'towncockpit-e2e-'))
  const db = join(dir, 'e2e.sqlite')
  const { child, url } = await startServe(db, dir)
  const u = new URL(url)
  const state: ServeState = {
    pid: child.pid ?? 0,
    url,
    origin: u.origin,
    token: u.hash.replace('#token=', ''),
    db,
    dir,
    startMs: Date.now() - started,
  }
  mkdirSync(dirname(stateFile), { recursive: true })
  writeFileSync(stateFile, JSON.stringify(state))
  child.unref()
}
