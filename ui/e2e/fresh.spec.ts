// The screens learn when the data changed (freshness.ts), without a page reload: a methodology version
// saved on 一指数 reaches 一图's 活力指数 layer, whose scores were fetched (and cached) before the save;
// a write by another process into the same database file reaches the open overview on its own.
// This spec runs its own `towncockpit serve` on its own database, so its writes touch no other spec.
import { execFileSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { show } from '../src/format'
import type { Ranking } from '../src/indexTypes'
import type { Overview } from '../src/types'
import { saveServicesWeight } from './methodology'
import { artifacts, bin, startServe } from './server'

mkdirSync(artifacts, { recursive: true })

let dir = ''
let db = ''
let url = ''
let server: ChildProcess | undefined

test.beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'towncockpit-fresh-'))
  db = join(dir, 'fresh.sqlite')
  ;({ child: server, url } = await startServe(db, dir))
})

test.afterAll(async () => {
  server?.kill('SIGINT')
  await new Promise((r) => setTimeout(r, 300))
  rmSync(dir, { recursive: true, force: true })
})

function cli<T>(args: string[]): T {
  return JSON.parse(execFileSync(bin, ['--db', db, ...args, '--json'], { encoding: 'utf8' })) as T
}

/** Opens the app once; the mark proves later that the page was never reloaded. */
async function open(page: Page) {
  await page.goto(url)
  await page.evaluate(() => ((window as unknown as { freshMark: number }).freshMark = 1))
}

async function neverReloaded(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { freshMark?: number }).freshMark)).toBe(1)
}

async function drawn(map: Locator, scope: string) {
  await expect(map).toHaveAttribute('data-state', 'ready')
  await expect(map).toHaveAttribute('data-drawn-scope', scope)
  await expect(map).toHaveAttribute('data-layer-state', 'ready')
}

/** 一图 at 西湖区 on the 活力指数 layer with its first town's profile open; returns that town's id. */
async function westLakeTown(page: Page, id?: number): Promise<{ map: Locator; id: number }> {
  await page.getByTestId('nav').getByRole('link', { name: '一图' }).click()
  const map = page.getByTestId('map-view').getByTestId('map-panel')
  await drawn(map, '330000')
  await expect(map).toHaveAttribute('data-layer', 'score')
  await map.locator('[data-testid="map-region"][data-code="330100"]').click()
  await drawn(map, '330100')
  await map.locator('[data-testid="map-region"][data-code="330106"]').click()
  await drawn(map, '330106')
  const town = id === undefined ? map.getByTestId('map-town').first() : map.locator(`[data-testid="map-town"][data-id="${id}"]`)
  const townId = Number(await town.getAttribute('data-id'))
  await town.click()
  await expect(map.getByTestId('town-profile')).toHaveAttribute('data-town-id', String(townId))
  return { map, id: townId }
}

/** What the profile and the legend (西湖区's lowest and highest) must say for `r`, to one decimal. */
async function expectScores(map: Locator, r: Ranking, id: number) {
  const row = r.rows.find((x) => x.town_id === id)!
  await expect(map.getByTestId('town-profile')).toContainText(`${row.score!.toFixed(1)}（全省第 ${row.rank} 名）`)
  const scores = r.rows.filter((x) => x.county === '西湖区' && x.score !== null).map((x) => x.score!)
  const ramp = map.getByTestId('map-legend').locator('.ramp')
  await expect(ramp).toContainText(Math.min(...scores).toFixed(1))
  await expect(ramp).toContainText(Math.max(...scores).toFixed(1))
}

test('a version saved on 一指数 shows its scores on 一图 without a reload', async ({ page }) => {
  await open(page)
  const before = cli<Ranking>(['index', 'towns'])
  // 一图 first, so the old scores are fetched and cached.
  const { map, id } = await westLakeTown(page)
  await expectScores(map, before, id)

  await page.getByTestId('nav').getByRole('link', { name: '一指数' }).click()
  await expect(page.getByTestId('index')).toHaveAttribute('data-state', 'ready')
  await saveServicesWeight(page, '100', '服务功能加权（刷新测试）')
  await expect(page.getByTestId('saved')).toContainText(`已保存为版本 ${before.methodology.version + 1}`)

  const after = cli<Ranking>(['index', 'towns'])
  expect(after.methodology.version).toBe(before.methodology.version + 1)
  const old = before.rows.find((x) => x.town_id === id)!
  const now = after.rows.find((x) => x.town_id === id)!
  // The check below can fail only if the save changed what this town shows.
  expect(now.score!.toFixed(1)).not.toBe(old.score!.toFixed(1))

  await westLakeTown(page, id)
  await expectScores(map, after, id)
  await page.screenshot({ path: join(artifacts, 'fresh-map.png') })
  await neverReloaded(page)
})

test("another process's write reaches the open overview within the polling interval", async ({ page }) => {
  await open(page)
  const overview = page.getByTestId('overview')
  await expect(overview).toHaveAttribute('data-state', 'ready')
  const before = cli<Overview>(['overview'])
  const top = before.rank_output[0]
  expect(top.unit).toBe('亿元')
  const total = before.targets.find((t) => t.key === 'total_output')!
  const card = page.locator('[data-testid="kpi"][data-key="total_output"]')
  await expect(card).toHaveAttribute('data-actual', String(total.actual))
  const topValue = page.getByTestId('rank-output').locator('tr').first().locator('.val')
  const text = (v: number) => `${show(v, '亿元').value}${show(v, '亿元').unit}`
  await expect(topValue).toHaveText(text(top.value))
  let overviewCalls = 0
  page.on('request', (r) => {
    if (r.url().endsWith('/api/overview')) overviewCalls += 1
  })

  // Another program writes: the top town's year-end output gains 100 000 万元 (10 亿元), straight into
  // the database file the server has open.
  const changed = execFileSync(
    'python3',
    [
      '-c',
      `import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
n = c.execute("UPDATE indicator_values SET value = value + 100000 WHERE indicator_code = 'output' AND quarter = 4 AND year = ? AND town_id = ?", (int(sys.argv[2]), int(sys.argv[3]))).rowcount
c.commit()
print(n)`,
      db,
      String(before.year),
      String(top.town_id),
    ],
    { encoding: 'utf8' },
  )
  expect(changed.trim()).toBe('1')

  // No navigation, focus or reload: the timer finds the new data version and the overview reloads.
  await expect(topValue).toHaveText(text(top.value + 10), { timeout: 20_000 })
  await expect(overview).toHaveAttribute('data-state', 'ready')
  const actual = Number(await card.getAttribute('data-actual'))
  expect(actual).toBeCloseTo(total.actual! + 10, 6)
  const after = cli<Overview>(['overview'])
  await expect(card).toHaveAttribute('data-actual', String(after.targets.find((t) => t.key === 'total_output')!.actual))
  await page.screenshot({ path: join(artifacts, 'fresh-overview.png') })
  await neverReloaded(page)

  // Once the data settles the screen stops fetching: two more polls bring no further reload.
  await page.waitForTimeout(6_000)
  const settled = overviewCalls
  expect(settled).toBeGreaterThan(0)
  await page.waitForTimeout(11_000)
  expect(overviewCalls).toBe(settled)
})
