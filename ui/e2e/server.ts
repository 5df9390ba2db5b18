// Shared by the browser tests: where the `towncockpit` binary and the test database are, and how to
// ask the CLI for the same figures the screen shows.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const repo = resolve(here, '..', '..')
export const artifacts = join(repo, 'artifacts')
export const bin = process.env.TOWNCOCKPIT_BIN ?? join(repo, 'target', 'debug', 'towncockpit')
export const stateFile = join(repo, 'ui', 'test-results', 'serve.json')

export interface ServeState {
  pid: number
  url: string
  origin: string
  token: string
  db: string
  dir: string
  /** Spawn of `towncockpit serve` (fresh database: migrations + demo load) to its URL printed. */
  startMs: number
}

export function serveState(): ServeState {
  return JSON.parse(readFileSync(stateFile, 'utf8')) as ServeState
}

/** `towncockpit overview --json` on the test database. */
export function cliOverview<T>(args: string[] = []): T {
  const { db } = serveState()
  const out = execFileSync(bin, ['--db', db, 'overview', '--json', ...args], { encoding: 'utf8' })
  return JSON.parse(out) as T
}

/**
 * Starts `towncockpit serve` on a random loopback port for the database `db` (created with the demo
 * when missing); card exports go to `dir`/downloads. Resolves with the URL it prints (with the token).
 */
export async function startServe(db: string, dir: string): Promise<{ child: ChildProcess; url: string }> {
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
  return { child, url }
}
