// The real desktop window: tauri-driver + WebKitWebDriver (run under Xvfb and a D-Bus session by
// scripts/test.sh). The app starts on a fresh database, loads the demo province, and the overview
// must be drawn with data; on the second start 一图, 一码 and 一指数 must draw too. Saves screenshots and
// the start-up time and memory of all processes.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { memoryOf, processTree } from '../e2e/procmem'
import { artifacts, repo } from '../e2e/server'

const app = process.env.TOWNCOCKPIT_DESKTOP_BIN ?? join(repo, 'target', 'debug', 'towncockpit-desktop')
const port = Number(process.env.TAURI_DRIVER_PORT ?? 4444)
const base = `http://127.0.0.1:${port}`

async function wd<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const json = (await res.json()) as { value: T }
  if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${JSON.stringify(json)}`)
  return json.value
}

let driver: ChildProcess
let dir: string

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'towncockpit-desktop-'))
  driver = spawn('tauri-driver', ['--port', String(port)], {
    env: { ...process.env, TOWNCOCKPIT_DB: join(dir, 'desktop.sqlite'), NO_AT_BRIDGE: '1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${base}/status`)
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error('tauri-driver did not start')
})

test.afterAll(async () => {
  driver?.kill()
  rmSync(dir, { recursive: true, force: true })
})

interface Launch {
  coldStartMs: number
  webviewNavigationToDrawnMs: number
  /** Until the map in the overview's centre is coloured by the vitality index as well. */
  mapColouredMs: number
  memory: ReturnType<typeof memoryOf>
}

/** A picture of the window as drawn. Without accelerated compositing (the app's default, see
 * src-tauri), WebKitWebDriver's snapshot waits for the next paint, and an idle page never paints:
 * a 1-pixel, invisible element flickers while the snapshot is taken so that a paint comes. */
async function screenshotOf(s: string): Promise<Buffer> {
  await wd('POST', `${s}/execute/sync`, {
    script: `const e = document.createElement('div');
      e.style.cssText = 'position:fixed;left:0;top:0;width:1px;height:1px;pointer-events:none;opacity:0';
      document.body.appendChild(e);
      let n = 0;
      const t = setInterval(() => { e.style.opacity = String((++n % 2) * 0.01); if (n > 300) { clearInterval(t); e.remove() } }, 16);`,
    args: [],
  })
  const png = await wd<string>('GET', `${s}/screenshot`)
  return Buffer.from(png, 'base64')
}

/** Runs `script` in the window every 50 ms until `done` accepts its value or `tries` run out;
 * returns the last value. */
async function poll<T>(s: string, script: string, done: (v: T) => boolean, tries: number): Promise<T> {
  let v = await wd<T>('POST', `${s}/execute/sync`, { script, args: [] })
  for (let i = 1; i < tries && !done(v); i++) {
    await new Promise((r) => setTimeout(r, 50))
    v = await wd<T>('POST', `${s}/execute/sync`, { script, args: [] })
  }
  return v
}

/** The other screens, by route, with the element whose `data-state` says it has drawn. */
const SCREENS = [
  { route: '#/map', ready: '[data-testid=map-panel]', png: 'desktop-map.png' },
  { route: '#/code', ready: '[data-testid=code-view]', png: 'desktop-code.png' },
  { route: '#/index', ready: '[data-testid=index]', png: 'desktop-index.png' },
]

/** Opens each screen in the window as a user would from the nav, waits until it has drawn with no
 * error, and keeps a screenshot: the WebKitGTK window draws controls unlike Chromium does. */
async function visitScreens(s: string) {
  for (const { route, ready, png } of SCREENS) {
    await wd('POST', `${s}/execute/sync`, { script: `location.hash = '${route}'`, args: [] })
    const state = await poll<string | null>(
      s,
      `const e = document.querySelector('${ready}'); return e ? e.dataset.state : null`,
      (v) => v === 'ready' || v === 'error',
      600,
    )
    // The screen's own error text, if any, says why it did not draw.
    const errorText = await wd<string>('POST', `${s}/execute/sync`, {
      script: 'const e = document.querySelector("[data-testid=error]"); return e ? e.textContent : ""',
      args: [],
    })
    expect(errorText, route).toBe('')
    expect(state, route).toBe('ready')
    // Every picture (the 一码 card is a PNG data URL) has pixels and is decoded for painting:
    // WebKit decodes large images off the main thread and paints them blank until then.
    const images = await wd<{ src: string; width: number }[]>('POST', `${s}/execute/async`, {
      script: `const done = arguments[arguments.length - 1];
        const imgs = [...document.querySelectorAll('img')];
        Promise.allSettled(imgs.map((i) => i.decode())).then(() =>
          done(imgs.map((i) => ({ src: i.currentSrc.slice(0, 30), width: i.naturalWidth }))));`,
      args: [],
    })
    expect(images.filter((i) => i.width === 0), route).toEqual([])
    // Charts finish their animation before the picture is taken.
    await new Promise((r) => setTimeout(r, 800))
    writeFileSync(join(artifacts, png), await screenshotOf(s))
  }
}

/** Starts the app through tauri-driver, waits for a drawn overview, checks it, measures, screenshots;
 * then, when asked, opens the other screens. */
async function launch(screenshot: string, alsoVisit = false): Promise<Launch> {
  const t0 = Date.now()
  // No browserName: tauri-driver starts the app itself from `tauri:options`.
  const session = await wd<{ sessionId: string }>('POST', '/session', {
    capabilities: { alwaysMatch: { 'tauri:options': { application: app } } },
  })
  const s = `/session/${session.sessionId}`
  try {
    const last = await poll<string | null>(
      s,
      'const o = document.querySelector("[data-testid=overview]"); return o ? o.dataset.state : null',
      (v) => v === 'ready' || v === 'error',
      300,
    )
    const coldStartMs = Date.now() - t0
    const errorText = await wd<string>('POST', `${s}/execute/sync`, {
      script: 'const e = document.querySelector("[data-testid=error]"); return e ? e.textContent : ""',
      args: [],
    })
    expect(errorText).toBe('')
    expect(last).toBe('ready')

    expect(await wd<string>('GET', `${s}/title`)).toBe('特色小镇驾驶舱')
    const figures = await wd<{ kpis: number; actuals: string[]; drawn: number; badge: string }>(
      'POST',
      `${s}/execute/sync`,
      {
        script: `const cards = [...document.querySelectorAll('[data-testid=kpi]')];
          return { kpis: cards.length, actuals: cards.map(c => c.dataset.actual),
                   drawn: document.querySelectorAll('.chart[data-drawn=true]').length,
                   badge: (document.querySelector('[data-testid=demo-badge]') || {}).textContent || '' }`,
        args: [],
      },
    )
    expect(figures.kpis).toBeGreaterThanOrEqual(9)
    expect(figures.actuals.every((a) => a !== '' && Number.isFinite(Number(a)))).toBe(true)
    expect(figures.drawn).toBeGreaterThanOrEqual(4)
    expect(figures.badge).toBe('示例数据')
    const drawnMs = await wd<string>('POST', `${s}/execute/sync`, {
      script: 'return document.documentElement.dataset.overviewDrawnMs',
      args: [],
    })

    // The map's index colours arrive by a call of their own, after the overview's figures.
    const map = await poll<string>(
      s,
      `const m = document.querySelector("[data-testid=map-panel]");
        return m ? m.dataset.state + "/" + m.dataset.layerState : ""`,
      (v) => v === 'ready/ready',
      300,
    )
    const mapColouredMs = Date.now() - t0
    expect(map).toBe('ready/ready')

    writeFileSync(join(artifacts, screenshot), await screenshotOf(s))

    const appPid = processTree(driver.pid!).find((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim().startsWith('towncockpit-des')
      } catch {
        return false
      }
    })
    expect(appPid).toBeTruthy()
    const memory = memoryOf(processTree(appPid!))
    if (alsoVisit) await visitScreens(s)
    return { coldStartMs, webviewNavigationToDrawnMs: Number(drawnMs), mapColouredMs, memory }
  } finally {
    await wd('DELETE', s).catch(() => undefined)
  }
}

test('the desktop window opens on the demo province, draws the overview, opens again on the kept database, and shows every screen', async () => {
  mkdirSync(artifacts, { recursive: true })
  // First start: no database yet, so the app creates it and loads the demo province.
  const first = await launch('desktop-overview.png')
  // Every later morning: the database exists.
  const again = await launch('desktop-overview-again.png', true)
  writeFileSync(join(artifacts, 'desktop-metrics.json'), JSON.stringify({ firstStart: first, start: again }, null, 2))
  for (const [label, m] of [
    ['首次启动（创建示例数据库）', first],
    ['再次启动', again],
  ] as const) {
    console.log(`桌面端${label}：启动至总览绘制完成 ${m.coldStartMs} ms，地图着色完成 ${m.mapColouredMs} ms；全部进程 RSS ${m.memory.rssMb} MB，PSS ${m.memory.pssMb} MB`)
  }
})
