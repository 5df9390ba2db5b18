// 产业链 in a real browser against `towncockpit serve`: every link's firm count and strength equal
// `towncockpit chain show --json`, at the province and after a scope switch; a click on a link
// lists its firms (largest first, sortable) and towns as the core says, a town opens its profile;
// the gaps are `chain gaps --json`'s; a town's profile opens the panorama with its links
// highlighted. Screenshots at 1920×1080 and 1366×768.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { artifacts, bin, serveState } from './server'

mkdirSync(artifacts, { recursive: true })

interface Link {
  code: string
  name: string
  firms: number
  strength: string
  held_by_town?: boolean
  output_wan_yuan: number
  towns: number
}
interface Panorama {
  firms: number
  towns: number
  scope: { name: string }
  segments: { segment: string; links: Link[] }[]
}

/** `towncockpit chain CMD CHAIN --json [args]` on the test database. */
function cli<T>(cmd: string, args: string[] = []): T {
  const { db } = serveState()
  return JSON.parse(execFileSync(bin, ['--db', db, 'chain', cmd, 'digital', '--json', ...args], { encoding: 'utf8' })) as T
}

const links = (p: Panorama): Link[] => p.segments.flatMap((s) => s.links)

async function openChain(page: Page, query = '') {
  const { origin, token } = serveState()
  await page.goto(`${origin}/${query}#token=${token}`)
  if (!query) await page.getByTestId('nav').getByRole('link', { name: '产业链' }).click()
  await expect(page.getByTestId('chain')).toHaveAttribute('data-state', 'ready')
}

async function expectPanorama(page: Page, p: Panorama) {
  await expect(page.getByTestId('chain-scope')).toHaveText(p.scope.name)
  await expect(page.getByTestId('chain-totals')).toContainText(`${p.firms} 家企业 · ${p.towns} 个小镇`)
  const cards = page.getByTestId('chain-link')
  await expect(cards).toHaveCount(links(p).length)
  for (const l of links(p)) {
    const card = page.locator(`[data-testid="chain-link"][data-code="${l.code}"]`)
    await expect(card).toHaveAttribute('data-firms', String(l.firms))
    await expect(card).toHaveAttribute('data-strength', l.strength)
  }
}

test('the panorama equals the CLI at the province and in a city; a link shows its firms and towns', async ({ page }) => {
  await openChain(page)
  await expect(page.getByTestId('chain-select')).toHaveValue('digital')
  await expectPanorama(page, cli<Panorama>('show'))
  await expect(page.getByTestId('demo-badge')).toHaveText('示例数据')
  // Every strength of the legend occurs in the demo chain.
  const strengths = new Set(links(cli<Panorama>('show')).map((l) => l.strength))
  expect([...strengths].sort()).toEqual(['依赖单一企业', '缺失', '薄弱', '较强'].sort())

  await page.getByTestId('scope-city').selectOption('330100')
  await expect(page.getByTestId('chain-scope')).toHaveText('杭州市')
  await expect(page.getByTestId('chain')).toHaveAttribute('data-state', 'ready')
  const city = cli<Panorama>('show', ['--scope', '330100'])
  await expectPanorama(page, city)
  const gaps = cli<{ gaps: { link: string; rule: string }[] }>('gaps', ['--scope', '330100'])
  await expect(page.getByTestId('gap')).toHaveCount(gaps.gaps.length)
  for (const g of gaps.gaps) {
    await expect(page.locator(`[data-testid="gap"][data-link="${g.link}"]`)).toHaveAttribute('data-rule', g.rule)
  }

  // The city's largest top-level link: its firms, largest first, and its towns.
  const top = city.segments
    .flatMap((s) => s.links)
    .filter((l) => l.firms > 1)
    .sort((a, b) => b.output_wan_yuan - a.output_wan_yuan)[0]
  await page.locator(`[data-testid="chain-link"][data-code="${top.code}"]`).click()
  const rows = page.getByTestId('link-firm')
  await expect(rows).toHaveCount(Math.min(top.firms, 200))
  await expect(page.getByTestId('link-detail').locator('h2')).toContainText(top.name)
  await expect(page.getByTestId('link-town')).toHaveCount(top.towns)
  const outputs = async () =>
    (await rows.evaluateAll((r) => r.map((x) => Number(x.getAttribute('data-output'))))).slice(0, 20)
  const desc = await outputs()
  expect(desc).toEqual([...desc].sort((a, b) => b - a))
  await page.getByTestId('sort-output').click()
  const asc = await outputs()
  expect(asc).toEqual([...asc].sort((a, b) => a - b))
  await rows.first().click()
  await expect(page.getByTestId('firm-card')).toContainText('统一社会信用代码')
  await page.screenshot({ path: join(artifacts, 'chain-1920.png') })

  // A town of the link opens its profile.
  const town = page.getByTestId('link-town').first()
  const name = (await town.textContent())!.trim()
  await town.click()
  await expect(page.getByTestId('profile-name')).toHaveText(name)
})

test("a town's profile opens the panorama with that town's links highlighted", async ({ page }) => {
  await openChain(page)
  await page.locator('[data-testid="chain-link"][data-strength="较强"]').first().click()
  const town = page.getByTestId('link-town').first()
  const id = (await town.getAttribute('data-town-id'))!
  await town.click()
  await page.getByTestId('profile-chain').click()
  await expect(page.getByTestId('chain-town')).toBeVisible()
  await expect(page.getByTestId('chain')).toHaveAttribute('data-state', 'ready')
  const p = cli<Panorama>('show', ['--town', id])
  for (const l of links(p)) {
    await expect(page.locator(`[data-testid="chain-link"][data-code="${l.code}"]`)).toHaveAttribute(
      'data-held',
      String(l.held_by_town),
    )
  }
  await expect(page.getByTestId('chain-town')).toContainText(`（${links(p).filter((l) => l.held_by_town).length} 个环节）`)
})

test('the panorama exports as PNG and SVG into the download folder', async ({ page }) => {
  await openChain(page)
  const { dir } = serveState()
  await page.getByTestId('export-png').click()
  const png = join(dir, 'downloads', '产业链全景图_数字经济产业链_浙江省.png')
  await expect(page.getByTestId('chain-exported')).toHaveText(`已导出：${png}`)
  expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG')
  await page.getByTestId('export-svg').click()
  const svg = png.replace(/png$/, 'svg')
  await expect(page.getByTestId('chain-exported')).toHaveText(`已导出：${svg}`)
  expect(readFileSync(svg, 'utf8')).toContain('数字经济产业链 全景图 · 浙江省')
})

test('the screen at 1366×768: no clipped link names', async ({ page }) => {
  await page.setViewportSize({ width: 1366, height: 768 })
  await openChain(page)
  await page.locator('[data-testid="chain-link"]').first().click()
  await expect(page.getByTestId('link-firm').first()).toBeVisible()
  // A top-level link's name fits its card (no ellipsis).
  const clipped = await page
    .locator('[data-testid="chain-link"] .card-head .name')
    .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent))
  expect(clipped).toEqual([])
  await page.screenshot({ path: join(artifacts, 'chain-1366.png') })
})
