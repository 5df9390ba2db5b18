// The 一指数 screen in a real browser against `towncockpit serve`: the ranking is exactly
// `towncockpit index towns --json`, a selected town draws its radar, trend and rank interval, the
// methodology panel recomputes as the core's index_recompute says, refuses an inconsistent AHP
// matrix with the core's message and saves a new version. Screenshots of both themes.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { fixed } from '../src/format'
import type { Ranking, Recomputed, Uncertainty } from '../src/indexTypes'
import { saveServicesWeight } from './methodology'
import { artifacts, bin, serveState } from './server'

mkdirSync(artifacts, { recursive: true })

/** `towncockpit index towns --json [args]` on the test database. */
function cliRanking(args: string[] = []): Ranking {
  const { db } = serveState()
  return JSON.parse(execFileSync(bin, ['--db', db, 'index', 'towns', '--json', ...args], { encoding: 'utf8' })) as Ranking
}

/** A core command over the same HTTP API the screen uses. */
async function command<T>(name: string, args: Record<string, unknown>): Promise<T> {
  const { origin, token } = serveState()
  const res = await fetch(`${origin}/api/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(args),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as T
}

async function openIndex(page: Page, query = '') {
  const { origin, token } = serveState()
  await page.goto(`${origin}/${query}#token=${token}`)
  await page.getByTestId('nav').getByRole('link', { name: '一指数' }).click()
  await expect(page.getByTestId('index')).toHaveAttribute('data-state', 'ready')
}

async function expectRanking(page: Page, r: Ranking, n = 15) {
  const rows = page.getByTestId('index-row')
  await expect(rows).toHaveCount(r.rows.length)
  for (let k = 0; k < n; k++) {
    const want = r.rows[k]
    const row = rows.nth(k)
    await expect(row).toHaveAttribute('data-town-id', String(want.town_id))
    await expect(row).toHaveAttribute('data-rank', String(want.rank))
    await expect(row).toHaveAttribute('data-score', String(want.score))
    await expect(row).toContainText(want.name)
    await expect(row).toContainText(fixed(want.score))
  }
}

test('the ranking is exactly the CLI ranking, marked as demo data', async ({ page }) => {
  await openIndex(page)
  const r = cliRanking()
  expect(r.rows.length).toBeGreaterThan(20)
  await expect(page.getByTestId('index-year')).toHaveValue(String(r.period))
  await expectRanking(page, r)
  await expect(page.getByTestId('index-version')).toContainText(`方法版本 ${r.methodology.version}`)
  if (r.demo) await expect(page.getByTestId('demo-badge')).toHaveText('示例数据')
  // The top town is selected and its radar is drawn.
  await expect(page.getByTestId('town-name')).toHaveText(r.rows[0].name)
  await expect(page.getByTestId('radar')).toHaveAttribute('data-drawn', 'true')
  // Rank change against the previous year, as the core says.
  const moved = r.rows.find((x) => x.rank_change !== null && x.rank_change !== 0)!
  const row = page.locator(`[data-testid="index-row"][data-town-id="${moved.town_id}"]`)
  const c = moved.rank_change!
  await expect(row.locator('.chg')).toHaveText(c > 0 ? `↑${c}` : `↓${-c}`)
})

test('year switch and filters show the CLI ranking of that year and only matching towns', async ({ page }) => {
  await openIndex(page)
  const latest = cliRanking()
  const earlier = latest.periods[latest.periods.length - 3]
  await page.getByTestId('index-year').selectOption(String(earlier))
  await expect(page.getByTestId('index')).toHaveAttribute('data-state', 'ready')
  await expectRanking(page, cliRanking(['--period', String(earlier)]), 10)

  const r = cliRanking(['--period', String(earlier)])
  const city = r.rows[3].city
  await page.getByTestId('filter-city').selectOption(city)
  const inCity = r.rows.filter((x) => x.city === city)
  await expect(page.getByTestId('index-row')).toHaveCount(inCity.length)
  await expect(page.getByTestId('index-row').first()).toHaveAttribute('data-rank', String(inCity[0].rank))
  const cat = inCity[0].category
  await page.getByTestId('filter-category').selectOption(cat)
  await expect(page.getByTestId('index-row')).toHaveCount(inCity.filter((x) => x.category === cat).length)
})

test('selecting a town draws its radar, trend and rank interval from the uncertainty run', async ({ page }) => {
  await openIndex(page)
  const r = cliRanking()
  const pick = r.rows[7]
  await page.locator(`[data-testid="index-row"][data-town-id="${pick.town_id}"]`).click()
  await expect(page.getByTestId('town-name')).toHaveText(pick.name)
  await expect(page.getByTestId('town-rank')).toHaveText(String(pick.rank))
  await expect(page.getByTestId('town-score')).toHaveText(fixed(pick.score))
  await expect(page.getByTestId('index')).toHaveAttribute('data-state', 'ready')
  await expect(page.getByTestId('radar')).toHaveAttribute('data-drawn', 'true')
  await expect(page.getByTestId('trend')).toHaveAttribute('data-drawn', 'true')
  // The interval is the core's (same runs and seed), also drawn as error bars for the top towns.
  const u = await command<Uncertainty>('index_uncertainty', { period: r.period, runs: 200 })
  const mine = u.rows.find((x) => x.town_id === pick.town_id)!
  const lo = Math.round(mine.q05!)
  const hi = Math.round(mine.q95!)
  await expect(page.getByTestId('town-interval')).toHaveText(lo === hi ? `${lo}` : `${lo}–${hi}`, { timeout: 30_000 })
  await expect(page.getByTestId('interval-chart')).toHaveAttribute('data-drawn', 'true')
})

test('both themes render the ranking screen; screenshots are kept', async ({ page }) => {
  await openIndex(page)
  await expect(page.getByTestId('interval-chart')).toHaveAttribute('data-drawn', 'true', { timeout: 30_000 })
  for (const theme of ['dark', 'light'] as const) {
    await page.getByTestId(`theme-${theme}`).click()
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
    for (const chart of await page.locator('.chart').all()) await expect(chart).toHaveAttribute('data-drawn', 'true')
    await page.screenshot({ path: join(artifacts, `index-${theme}.png`) })
  }
  await page.getByTestId('tab-diag').click()
  await expect(page.getByTestId('diag-row')).toHaveCount(22)
  await expect(page.getByTestId('heatmap')).toHaveAttribute('data-drawn', 'true')
  await page.screenshot({ path: join(artifacts, 'index-diagnostics.png') })
  await page.getByTestId('theme-dark').click()
})

test('editing a weight recomputes as index_recompute says; an inconsistent AHP matrix is refused', async ({ page }) => {
  await openIndex(page)
  const saved = cliRanking()
  await page.getByTestId('tab-method').click()
  await page.getByTestId('weight-services').fill('100')
  await page.getByTestId('recompute').click()
  const want = await command<Recomputed>('index_recompute', { weights: { services: 100 }, period: saved.period })
  const rows = page.getByTestId('recomputed-row')
  await expect(rows.first()).toHaveAttribute('data-town-id', String(want.ranking.rows[0].town_id))
  for (let k = 0; k < 15; k++) {
    await expect(rows.nth(k)).toHaveAttribute('data-town-id', String(want.ranking.rows[k].town_id))
    await expect(rows.nth(k)).toHaveAttribute('data-score', String(want.ranking.rows[k].score))
  }
  expect(want.ranking.rows.map((r) => r.town_id)).not.toEqual(saved.rows.map((r) => r.town_id))

  // An inconsistent matrix: the core's Chinese refusal is shown.
  await page.getByTestId('ahp-0-1').selectOption('9')
  await page.getByTestId('ahp-1-2').selectOption('9')
  await page.getByTestId('ahp-0-2').selectOption('1/9')
  await page.getByTestId('ahp-apply').click()
  await expect(page.getByTestId('ahp-error')).toContainText('一致性比率 CR')
  await expect(page.getByTestId('ahp-error')).toContainText('超过 0.1')
  // A consistent one: CR and the priorities as the core computes them.
  await page.getByTestId('ahp-0-1').selectOption('2')
  await page.getByTestId('ahp-1-2').selectOption('1')
  await page.getByTestId('ahp-0-2').selectOption('2')
  await page.getByTestId('ahp-apply').click()
  const matrix = Array.from({ length: 7 }, () => Array.from({ length: 7 }, () => '1'))
  matrix[0][1] = '2'
  matrix[1][0] = '1/2'
  matrix[0][2] = '2'
  matrix[2][0] = '1/2'
  const ahp = await command<Recomputed>('index_recompute', { ahp: { vitality: { matrix } }, period: saved.period })
  await expect(page.getByTestId('ahp-cr')).toContainText(`CR = ${fixed(ahp.ahp[0].cr, 3)}`)
  await expect(rows.first()).toHaveAttribute('data-town-id', String(ahp.ranking.rows[0].town_id))
  await expect(rows.nth(9)).toHaveAttribute('data-score', String(ahp.ranking.rows[9].score))
  await page.screenshot({ path: join(artifacts, 'index-methodology.png') })
})

test('saving stores a new methodology version that becomes the ranking', async ({ page }) => {
  await openIndex(page)
  const before = cliRanking()
  await saveServicesWeight(page, '40', '加重服务功能（界面测试）')
  const version = before.methodology.version + 1
  await expect(page.getByTestId('saved')).toHaveText(`已保存为版本 ${version}：加重服务功能（界面测试）`)
  await expect(page.getByTestId('index-version')).toContainText(`方法版本 ${version}`)
  const after = cliRanking()
  expect(after.methodology.version).toBe(version)
  expect(after.methodology.name).toBe('加重服务功能（界面测试）')
  await page.getByTestId('tab-rank').click()
  await expect(page.getByTestId('index')).toHaveAttribute('data-state', 'ready')
  await expectRanking(page, after, 10)
})
