// Resident memory of a process tree, read from /proc (Linux): what "all processes of the app" cost.
import { readFileSync, readdirSync } from 'node:fs'

export interface ProcMem {
  pid: number
  name: string
  rssMb: number
  pssMb: number
}

function parentOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) state ppid …": comm may contain spaces, so split after the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch {
    return null
  }
}

/** `root` and every process descended from it. */
export function processTree(root: number): number[] {
  const parents = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    const ppid = parentOf(pid)
    if (ppid !== null) parents.set(pid, ppid)
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid)
  }
  return tree
}

function kb(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return m ? Number(m[1]) : 0
}

/** RSS and PSS (shared pages split fairly between processes) of each pid, in MB. */
export function memoryOf(pids: number[]): { processes: ProcMem[]; rssMb: number; pssMb: number } {
  const processes: ProcMem[] = []
  for (const pid of pids) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
      processes.push({ pid, name, rssMb: kb(rollup, 'Rss') / 1024, pssMb: kb(rollup, 'Pss') / 1024 })
    } catch {
      // exited meanwhile
    }
  }
  const sum = (k: 'rssMb' | 'pssMb') => Math.round(processes.reduce((n, p) => n + p[k], 0))
  return { processes, rssMb: sum('rssMb'), pssMb: sum('pssMb') }
}
