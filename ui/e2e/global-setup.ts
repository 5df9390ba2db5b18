// Starts `towncockpit serve` on a random loopback port with a fresh temporary database and records
// its URL (with the per-run token) for the tests.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { bin, repo, stateFile, type ServeState } from './server'

export default async function globalSetup(): Promise<void> {
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), 'towncockpit-e2e-'))
  const db = join(dir, 'e2e.sqlite')
  const child = spawn(bin, ['--db', db, 'serve', '--port', '0', '--ui', join(repo, 'ui', 'dist')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: false,
    // Card exports (一码) go here, not into the user's download folder.
    env: { ...process.env, TOWNCOCKPIT_DOWNLOAD_DIR: join(dir, 'downloads') },
  })
  const url = await new Promise<string>((ok, fail) => {
    let buf = ''
    const timer = setTimeout(() => fail(new Error(`towncockpit serve printed no URL: ${buf}`)), 60_000)
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      const m = /^(http:\/\/\S+)$/m.exec(buf)
      if (m) {
        clearTimeout(timer)
        ok(m[1])
      }
    })
    child.on('exit', (code) => fail(new Error(`towncockpit serve exited (${code}): ${buf}`)))
  })
  child.stdout.resume()
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
