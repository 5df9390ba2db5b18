// Shared by the browser tests: where the `towncockpit` binary and the test database are, and how to
// ask the CLI for the same figures the screen shows.
import { execFileSync } from 'node:child_process'
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
