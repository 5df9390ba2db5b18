// The one place that knows whether the data changed. The core's `data_version` changes after every
// commit by anyone (this program, or the CLI importing beside it); when it differs from the last one
// seen, `revision` is bumped and everything that fetched data (map.ts's caches, the screens through
// `useFreshData`) fetches again. Asked on navigation, on focus, after the UI's own writes and on a
// timer while the page is visible.
import { onMounted, readonly, ref, watch } from 'vue'
import type { Router } from 'vue-router'
import { call } from './transport'

/** How often the version is asked while the page is visible: one cheap call. */
const POLL_MS = 5_000

const rev = ref(0)
/** Bumped whenever the data changed; watch it to fetch again. */
export const revision = readonly(rev)

let seen: number | null = null
let running: Promise<void> | null = null
let queued: Promise<void> | null = null

async function ask(): Promise<void> {
  try {
    const { version } = await call<{ version: number }>('data_version')
    if (seen !== null && version !== seen) rev.value += 1
    seen = version
  } catch {
    // The screens report an unreachable core themselves; the next trigger asks again.
  }
}

function start(): Promise<void> {
  running = ask().finally(() => (running = null))
  return running
}

/**
 * Asks the core's data version now. Checks run one at a time so answers are compared in order; a
 * request during a check gets one more check after it (that check may have started before a commit).
 */
export function checkFreshness(): Promise<void> {
  if (queued) return queued
  if (!running) return start()
  queued = running.then(() => {
    queued = null
    return start()
  })
  return queued
}

/** Calls a command that writes, then asks the version at once so every screen shows the change. */
export async function write<T>(name: string, args: Record<string, unknown> = {}): Promise<T> {
  try {
    return await call<T>(name, args)
  } finally {
    void checkFreshness()
  }
}

/** Starts asking: now, after each navigation, when the window comes back, and on the timer. */
export function installFreshness(router: Router): void {
  void checkFreshness()
  router.afterEach(() => void checkFreshness())
  window.addEventListener('focus', () => void checkFreshness())
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void checkFreshness()
  })
  setInterval(() => {
    if (document.visibilityState === 'visible') void checkFreshness()
  }, POLL_MS)
}

/**
 * A component's data: `load` runs when it is mounted and again whenever the data changed (the watch
 * ends with the component).
 */
export function useFreshData(load: () => unknown): void {
  onMounted(() => void load())
  watch(revision, () => void load())
}
