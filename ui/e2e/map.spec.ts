// 一图 in a real browser against `towncockpit serve`: drill from the province to a city, a county and
// a town whose profile matches `towncockpit town NAME --json`; the breadcrumb and the back control
// climb back; a layer switch changes the legend; the review number and the disclaimer are always on
// the map; the overview's centre is the same map. Screenshots go to artifacts/.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { artifacts, bin, serveState } from './server'

mkdirSync(artifacts, { recursive: true })

const REVIEW = '审图号：GS(2024)0650号'
const DISCLAIMER = '本图仅为示意，不作为行政区划界线的依据'

function cli<T>(args: string[]): T {
  const { db } = serveState()
  return JSON.parse(execFileSync(bin, ['--db', db, ...args, '--json'], { encoding: 'utf8' })) as T
}

interface CliTown {
  town: { id: number; name: string; city: string; county: string; county_code: string; city_code: string }
}

interface CliCode {
  colour: string
}

interface CliCheck {
  towns: { town_id: number; name: string; county_code: string; layers: { kind: string; violation: boolean }[] }[]
}

/** Waits until the map has loaded and painted `scope`; returns how long that step took in the page. */
async function drawn(map: Locator, scope: string): Promise<number> {
  await expect(map).toHaveAttribute('data-state', 'ready')
  await expect(map).toHaveAttribute('data-drawn-scope', scope)
  await expect(map).toHaveAttribute('data-layer-state', 'ready')
  return Number(await map.getAttribute('data-drill-ms'))
}

async function marks(map: Locator) {
  await expect(map.getByTestId('map-review')).toHaveText(REVIEW)
  await expect(map.getByTestId('map-disclaimer')).toHaveText(DISCLAIMER)
  await expect(map.getByTestId('map-review')).toBeInViewport()
  await expect(map.getByTestId('map-disclaimer')).toBeInViewport()
}

async function openMap(page: Page, query = ''): Promise<Locator> {
  const { origin, token } = serveState()
  await page.goto(`${origin}/${query}#token=${token}`)
  await page.getByTestId('nav').getByRole('link', { name: '一图' }).click()
  const map = page.getByTestId('map-view').getByTestId('map-panel')
  await drawn(map, '330000')
  return map
}

test('drill from the province to a city, a county and a town, and back', async ({ page }) => {
  const map = await openMap(page, '?theme=dark')
  const province = Number(await map.getAttribute('data-drill-ms'))
  await marks(map)
  await expect(map.getByTestId('map-breadcrumb')).toHaveText('浙江省')
  await expect(map.getByTestId('map-back')).toBeDisabled()
  // The province shows its cities to drill into, every one of them.
  await expect(map.getByTestId('map-region')).toHaveCount(11)
  await expect(map).toHaveAttribute('data-polygons', 'false')
  await page.screenshot({ path: join(artifacts, 'map-province.png') })

  // Province → 杭州市 → 西湖区 (a county with demo towns).
  const city = map.locator('[data-testid="map-region"][data-code="330100"]')
  await expect(city).toContainText('杭州市')
  await city.click()
  const cityMs = await drawn(map, '330100')
  await expect(map.getByTestId('map-breadcrumb')).toHaveText(/浙江省\s*›\s*杭州市/)
  await expect(map).toHaveAttribute('data-level', 'city')
  await marks(map)

  const county = map.getByTestId('map-region').filter({ hasText: '西湖区' })
  const countyCode = (await county.getAttribute('data-code'))!
  await county.click()
  const countyMs = await drawn(map, countyCode)
  await expect(map.getByTestId('map-breadcrumb')).toHaveText(/浙江省\s*›\s*杭州市\s*›\s*西湖区/)
  await expect(map).toHaveAttribute('data-polygons', 'true')
  await marks(map)
  await page.screenshot({ path: join(artifacts, 'map-county.png') })

  // County → a town: its profile opens with the name and place the CLI reports.
  const towns = map.getByTestId('map-town')
  expect(await towns.count()).toBeGreaterThan(0)
  const first = towns.first()
  const name = (await first.textContent())!.trim()
  const town = cli<CliTown>(['town', name])
  expect(String(town.town.id)).toBe(await first.getAttribute('data-id'))
  expect(town.town.county_code).toBe(countyCode)
  const t0 = Date.now()
  await first.click()
  const profile = map.getByTestId('town-profile')
  await expect(profile.getByTestId('profile-name')).toHaveText(town.town.name)
  const profileMs = Date.now() - t0
  await expect(profile.getByTestId('profile-place')).toHaveText(`${town.town.city} · ${town.town.county}`)
  await expect(map.getByTestId('map-crumb-town')).toHaveText(town.town.name)

  // The code colour layer: the legend changes, and the town's colour is the one `code show` gives.
  await expect(map.getByTestId('map-legend')).toHaveAttribute('data-title', /活力指数/)
  await map.getByTestId('map-layer-code').check()
  await expect(map).toHaveAttribute('data-layer', 'code')
  await expect(map.getByTestId('map-legend')).toHaveAttribute('data-title', '小镇码颜色')
  await expect(map.getByTestId('map-legend')).toContainText('绿码')
  const code = cli<CliCode>(['code', 'show', town.town.name])
  await expect(profile).toContainText(`${code.colour}码`)
  await map.getByTestId('map-layer-controls').check()
  await expect(map.getByTestId('map-legend')).toHaveAttribute('data-title', '三条控制线')
  await expect(map.getByTestId('map-legend')).toContainText('超出城镇开发边界')
  await expect(map).toHaveAttribute('data-layer-state', 'ready')
  await page.screenshot({ path: join(artifacts, 'map-town.png') })
  await marks(map)

  // Back: closes the profile, then climbs to the city; the breadcrumb goes straight to the province.
  await map.getByTestId('map-back').click()
  await expect(profile).toHaveCount(0)
  await expect(map).toHaveAttribute('data-scope', countyCode)
  await map.getByTestId('map-back').click()
  await drawn(map, '330100')
  await expect(map.getByTestId('map-breadcrumb')).toHaveText(/浙江省\s*›\s*杭州市$/)
  await map.getByTestId('map-breadcrumb').getByRole('button', { name: '浙江省' }).click()
  const backMs = await drawn(map, '330000')
  await expect(map.getByTestId('map-back')).toBeDisabled()
  await expect(map.getByTestId('map-legend')).toHaveAttribute('data-title', '三条控制线')

  const metrics = { provinceMs: province, cityMs, countyMs, profileMs, backToProvinceMs: backMs }
  writeFileSync(join(artifacts, 'map-metrics.json'), JSON.stringify(metrics, null, 2))
  console.log(
    `一图：全省 ${province} ms，下钻到市 ${cityMs} ms，到县 ${countyMs} ms，打开档案 ${profileMs} ms，返回全省 ${backMs} ms`,
  )
})

test('the light theme draws the same map; the overview centre is the compact map', async ({ page }) => {
  const map = await openMap(page, '?theme=light')
  await marks(map)
  await map.getByTestId('map-layer-category').check()
  await expect(map.getByTestId('map-legend')).toHaveAttribute('data-title', '主导产业类别')
  await page.screenshot({ path: join(artifacts, 'map-province-light.png') })
  await map.locator('[data-testid="map-region"][data-code="330100"]').click()
  await drawn(map, '330100')
  await map.locator('[data-testid="map-region"][data-code="330106"]').click()
  await drawn(map, '330106')
  await map.getByTestId('map-town').first().click()
  await expect(map.getByTestId('profile-name')).toHaveText((await map.getByTestId('map-town').first().textContent())!.trim())
  await marks(map)
  await page.screenshot({ path: join(artifacts, 'map-county-light.png') })

  await page.getByTestId('nav').getByRole('link', { name: '驾驶舱' }).click()
  await expect(page.getByTestId('overview')).toHaveAttribute('data-state', 'ready')
  const centre = page.getByTestId('overview').getByTestId('map-panel')
  await drawn(centre, '330000')
  await marks(centre)
  await expect(centre.getByTestId('map-layer-select')).toBeVisible()
  await centre.getByTestId('map-layer-select').selectOption('output')
  await expect(centre.getByTestId('map-legend')).toHaveAttribute('data-title', /总产出/)
  await page.getByTestId('theme-dark').click()
  await drawn(centre, '330000')
  await page.screenshot({ path: join(artifacts, 'overview-map.png') })

  // The overview's scope drives its map.
  await page.getByTestId('scope-city').selectOption('330100')
  await expect(page.getByTestId('overview')).toHaveAttribute('data-state', 'ready')
  await drawn(centre, '330100')
})

test('control lines: a county with a violation shows its pieces; wheel zoom turns city points into boundaries; a click on the map drills', async ({
  page,
}) => {
  const map = await openMap(page, '?theme=dark')
  // The first town the CLI's check finds in conflict with a control line.
  const check = cli<CliCheck>(['map', 'check'])
  const bad = check.towns.find((t) => t.layers.some((l) => l.violation))!
  expect(bad).toBeTruthy()
  const county = bad.county_code
  const city = `${county.slice(0, 4)}00`
  const inCounty = check.towns.filter((t) => t.county_code === county)
  const violating = inCounty.filter((t) => t.layers.some((l) => l.violation)).length

  await map.getByTestId('map-layer-controls').check()
  await map.locator(`[data-testid="map-region"][data-code="${city}"]`).click()
  await drawn(map, city)
  await expect(map).toHaveAttribute('data-polygons', 'false')

  // Zooming in on a city with the mouse wheel swaps its points for the towns' boundaries.
  const box = (await map.locator('.chart').boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  for (let i = 0; i < 12 && (await map.getAttribute('data-polygons')) !== 'true'; i++) {
    await page.mouse.wheel(0, -400)
    await page.waitForTimeout(150)
  }
  await expect(map).toHaveAttribute('data-polygons', 'true')
  await expect(map).toHaveAttribute('data-state', 'ready')
  await map.getByTestId('map-reset').click()
  await expect(map).toHaveAttribute('data-polygons', 'false')

  await map.locator(`[data-testid="map-region"][data-code="${county}"]`).click()
  await drawn(map, county)
  const legend = map.getByTestId('map-legend')
  await expect(legend.locator('[data-label="存在冲突的小镇"]')).toHaveAttribute('data-count', String(violating))
  await expect(legend.locator('[data-label="未发现问题的小镇"]')).toHaveAttribute(
    'data-count',
    String(inCounty.length - violating),
  )
  await map.locator(`[data-testid="map-town"][data-id="${bad.town_id}"]`).click()
  await expect(map.getByTestId('profile-name')).toHaveText(bad.name)
  await marks(map)
  await page.screenshot({ path: join(artifacts, 'map-controls.png') })

  // Back at the province, a click in the middle of the map lands on a city and drills into it.
  await map.getByTestId('map-breadcrumb').getByRole('button', { name: '浙江省' }).click()
  await drawn(map, '330000')
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2)
  await expect(map).toHaveAttribute('data-level', 'city')
  const drilled = (await map.getAttribute('data-scope'))!
  await drawn(map, drilled)
  const crumbs = map.getByTestId('map-breadcrumb').locator('.crumb')
  await expect(crumbs).toHaveCount(2)
  await expect(crumbs.nth(1)).toHaveAttribute('data-code', drilled)
})
