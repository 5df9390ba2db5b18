import { rmSync } from 'node:fs'
import { serveState } from './server'

export default async function globalTeardown(): Promise<void> {
  const s = serveState()
  try {
    process.kill(s.pid, 'SIGINT')
  } catch {
    // already gone
  }
  await new Promise((r) => setTimeout(r, 300))
  rmSync(s.dir, { recursive: true, force: true })
}
