// The 驾驶舱 overview in a real browser against `towncockpit serve`: every 2025 target shows the same
// figures as `towncockpit overview --json`, the scope and year switches change them correctly, both
// themes render, the canvas letterboxes without distortion, and errors read in Chinese.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { show } from '../src/format'
import type { Overview } from '../src/types'
import { memoryOf, processTree } from './procmem'
import { artifacts, cliOverview, serveState } from './server'

mkdirSync(artifacts, { recursive: true })

async function openOverview(page: Page, query = ''): Promise<number> {
  const { origin, token } = serveState()
  const t0 = Date.now()
  await page.goto(`${origin}/${query}#token=${token}`)
  await expect(page.getByTestId('overview')).toHaveAttribute('data-state', 'ready')
  return Date.now() - t0
}

async function ready(page: Page) {
  await expect(page.getByTestId('overview')).toHaveAttribute('data-state', 'ready')
}

/** Every KPI card carries exactly the CLI's figures, formatted with their units. */
async function expectTargets(page: Page, o: Overview) {
  await expect(page.getByTestId('scope-name')).toHaveText(o.scope.name)
  const cards = page.getByTestId('kpi')
  await expect(cards).toHaveCount(o.targets.length)
  expect(o.targets.length).toBeGreaterThan(0)
  for (const t of o.targets) {
    const card = page.locator(`[data-testid="kpi"][data-key="${t.key}"]`)
    await expect(card).toHaveAttribute('data-actual', t.actual === null ? '' : String(t.actual))
    await expect(card).toHaveAttribute('data-target', t.target === null ? '' : String(t.target))
    await expect(card).toHaveAttribute('data-status', t.status)
    const s = show(t.actual, t.unit)
    await expect(card.getByTestId('kpi-actual')).toHaveText(s.unit ? `${s.value}${s.unit}` : s.value)
    await expect(card).toContainText(t.name)
  }
}

test('overview shows every target exactly as the CLI reports it', async ({ page }) => {
  const ms = await openOverview(page)
  const o = cliOverview<Overview>()
  await expectTargets(page, o)
  await expect(page.getByTestId('year')).toHaveValue(String(o.year))
  if (o.demo) await expect(page.getByTestId('demo-badge')).toHaveText('示例数据')
  else await expect(page.getByTestId('demo-badge')).toHaveCount(0)
  const [y, m, d] = o.as_of.split('-').map(Number)
  await expect(page.getByTestId('as-of')).toHaveText(`数据截至 ${y}年${m}月${d}日`)
  // Rankings: the top town by output and by tax as the core ranks them.
  await expect(page.getByTestId('rank-output').locator('tr').first()).toContainText(o.rank_output[0].name)
  await expect(page.getByTestId('rank-tax').locator('tr').first()).toContainText(o.rank_tax[0].name)
  // Every chart drew.
  for (const chart of await page.locator('.chart').all()) await expect(chart).toHaveAttribute('data-drawn', 'true')
  const drawnMs = Number(await page.evaluate(() => document.documentElement.dataset.overviewDrawnMs))
  // Memory of the server and of this test's Chromium (every process of the browser mode).
  const chromium = processTree(process.pid).filter((pid) => pid !== process.pid)
  const server = memoryOf(processTree(serveState().pid))
  const browser = memoryOf(chromium)
  const metrics = {
    serverStartMs: serveState().startMs,
    gotoToReadyMs: ms,
    navigationToDrawnMs: drawnMs,
    serverMemory: server,
    browserMemory: browser,
    totalRssMb: server.rssMb + browser.rssMb,
    totalPssMb: server.pssMb + browser.pssMb,
  }
  writeFileSync(join(artifacts, 'browser-metrics.json'), JSON.stringify(metrics, null, 2))
  console.log(
    `浏览器模式：服务启动 ${metrics.serverStartMs} ms，打开至总览绘制完成 ${ms} ms；` +
      `全部进程 RSS ${metrics.totalRssMb} MB，PSS ${metrics.totalPssMb} MB`,
  )
})

test('the start loads only the overview code; every other screen loads when it is first opened', async ({ page }) => {
  const scripts: string[] = []
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname)
  })
  await openOverview(page)
  // Every screen is in the nav, in its order, before any of the others has loaded.
  await expect(page.getByTestId('nav').locator('a')).toHaveText(['驾驶舱', '一图', '一码', '一指数', '小镇档案', '产业链', '数据'])
  const loadedBy = (screen: string) => scripts.filter((p) => p.includes(`/${screen}-`))
  expect(loadedBy('OverviewView')).toHaveLength(1)
  for (const screen of ['MapView', 'CodeView', 'IndexView', 'TownView', 'ChainView', 'DataView']) expect(loadedBy(screen), screen).toEqual([])

  await page.getByTestId('nav').getByText('一指数').click()
  await expect(page.getByTestId('index')).toHaveAttribute('data-state', 'ready')
  expect(loadedBy('IndexView')).toHaveLength(1)
  expect(loadedBy('CodeView')).toEqual([])
})

test('scope and year switches show the CLI figures for the chosen scope and year', async ({ page }) => {
  await openOverview(page)
  const province = cliOverview<Overview>()

  const city = page.getByTestId('scope-city')
  const cityCode = await city.locator('option').nth(1).getAttribute('value')
  expect(cityCode).toBeTruthy()
  await city.selectOption(cityCode!)
  await ready(page)
  const cityOverview = cliOverview<Overview>(['--scope', cityCode!])
  expect(cityOverview.scope.level).toBe('city')
  await expectTargets(page, cityOverview)

  const county = page.getByTestId('scope-county')
  const countyCode = await county.locator('option').nth(1).getAttribute('value')
  await county.selectOption(countyCode!)
  await ready(page)
  const countyOverview = cliOverview<Overview>(['--scope', countyCode!])
  expect(countyOverview.scope.level).toBe('county')
  await expectTargets(page, countyOverview)

  // Back to the province, then an earlier year.
  await city.selectOption('')
  await ready(page)
  await expectTargets(page, province)
  const earlier = province.years[province.years.length - 2]
  await page.getByTestId('year').selectOption(String(earlier))
  await ready(page)
  await expectTargets(page, cliOverview<Overview>(['--year', String(earlier)]))
})

test('both themes render; a screenshot of each is kept', async ({ page }) => {
  await openOverview(page)
  for (const theme of ['dark', 'light'] as const) {
    await page.getByTestId(`theme-${theme}`).click()
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
    await ready(page)
    for (const chart of await page.locator('.chart').all()) await expect(chart).toHaveAttribute('data-drawn', 'true')
    await page.screenshot({ path: join(artifacts, `overview-${theme}.png`) })
  }
  const bg = await page.evaluate(() => getComputedStyle(document.querySelector('[data-testid=canvas]')!).backgroundColor)
  expect(bg).toBe('rgb(243, 246, 251)')
})

for (const [w, h, dpr] of [
  [1366, 768, 1],
  [1920, 1200, 1],
  [3840, 1080, 1],
  [1536, 864, 1.25],
  [1280, 720, 1.5],
] as const) {
  test(`canvas keeps 16:9 and fits ${w}×${h} at ${dpr * 100}%`, async ({ browser }) => {
    const page = await browser.newPage({ viewport: { width: w, height: h }, deviceScaleFactor: dpr })
    await openOverview(page, '?theme=dark')
    const box = (await page.getByTestId('canvas').boundingBox())!
    expect(Math.abs(box.width / box.height - 16 / 9)).toBeLessThan(0.01)
    expect(box.x).toBeGreaterThanOrEqual(-1)
    expect(box.y).toBeGreaterThanOrEqual(-1)
    expect(box.x + box.width).toBeLessThanOrEqual(w + 1)
    expect(box.y + box.height).toBeLessThanOrEqual(h + 1)
    // Letterboxed along one axis, filled along the other.
    expect(Math.min(Math.abs(box.width - w), Math.abs(box.height - h))).toBeLessThan(2)
    await page.screenshot({ path: join(artifacts, `overview-${w}x${h}@${dpr * 100}.png`) })
    await page.close()
  })
}

test('a missing or wrong token is explained in Chinese', async ({ browser }) => {
  const { origin } = serveState()
  const page = await browser.newPage()
  await page.goto(`${origin}/#token=wrong`)
  await expect(page.getByTestId('error')).toContainText('访问令牌缺失或无效')
  await expect(page.getByRole('button', { name: '重试' })).toBeVisible()
  await page.close()
})
