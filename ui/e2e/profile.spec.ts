// 小镇档案 in a real browser against `towncockpit serve`: "/" focuses the header's search on any
// screen, pinyin initials and Enter open the town's profile, whose name, figures and sources equal
// `towncockpit town NAME --json`; a figure's source opens on click; back returns to the screen the
// search started from; 对比 sets two towns side by side as the CLI reports them. Screenshots at
// 1920×1080: artifacts/profile-town.png, profile-source.png, profile-compare.png.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import type { Profile } from '../src/profileTypes'
import { artifacts, bin, serveState } from './server'

mkdirSync(artifacts, { recursive: true })

const TOWN = '余杭梦想小镇'
const INITIALS = 'yhmx'
const OTHER = '西湖云栖小镇'

function cliTown(name: string): Profile {
  const { db } = serveState()
  return JSON.parse(execFileSync(bin, ['--db', db, 'town', name, '--json'], { encoding: 'utf8' })) as Profile
}

async function open(page: Page, hash: string) {
  const { origin, token } = serveState()
  await page.goto(`${origin}/#token=${token}`)
  await page.goto(`${origin}/?theme=dark#${hash}`)
}

async function ready(page: Page) {
  await expect(page.getByTestId('town-view')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 })
  await expect(page.getByTestId('town-trend')).toHaveAttribute('data-drawn', 'true')
}

test('pinyin initials → profile → a figure source → back', async ({ page }) => {
  await open(page, '/index')
  await expect(page).toHaveURL(/#\/index/)
  const cli = cliTown(TOWN)

  // "/" from anywhere on the page focuses the search; initials find the town; Enter opens it.
  await page.locator('body').press('/')
  const input = page.getByTestId('global-search').getByTestId('search-input')
  await expect(input).toBeFocused()
  await input.pressSequentially(INITIALS)
  const hit = page.getByTestId('global-search').locator(`[data-testid="search-hit"][data-id="${cli.town.id}"]`)
  await expect(hit).toBeVisible()
  await expect(hit).toContainText('拼音首字母')
  const hits = page.getByTestId('global-search').getByTestId('search-hit')
  const position = (await hits.evaluateAll((els, id) => els.findIndex((e) => e.getAttribute('data-id') === id), String(cli.town.id)))
  for (let k = 0; k < position; k++) await input.press('ArrowDown')
  await input.press('Enter')
  await expect(page).toHaveURL(new RegExp(`#/town\\?id=${cli.town.id}$`))
  await ready(page)

  await expect(page.getByTestId('town-name')).toHaveText(cli.town.name)
  await expect(page.getByTestId('town-code')).toHaveAttribute('data-colour', cli.colour)
  await expect(page.getByTestId('figure')).toHaveCount(cli.figures.length)
  if (cli.index) await expect(page.getByTestId('town-index')).toContainText(`第 ${cli.index.rank} 名 / ${cli.index.of}`)
  await expect(page.getByTestId('town-firms').locator('tbody tr')).toHaveCount(Math.max(cli.firms.length, 1))
  await expect(page.getByTestId('town-projects').locator('tbody tr')).toHaveCount(Math.max(cli.projects.length, 1))
  // A figure the CLI has no value for shows 「暂无数据」, one it has shows no such text.
  for (const f of cli.figures) {
    const value = page.locator(`[data-testid="figure"][data-key="${f.key}"] [data-testid="figure-value"]`)
    if (f.value === null) await expect(value).toHaveText('暂无数据')
    else await expect(value).not.toContainText('暂无数据')
  }
  await page.screenshot({ path: join(artifacts, 'profile-town.png') })

  // A figure's period, unit and source, on click.
  const output = cli.figures.find((f) => f.key === 'output')!
  await page.locator('[data-testid="figure"][data-key="output"]').click()
  const source = page.getByTestId('figure-source')
  await expect(source).toContainText(output.period)
  await expect(source).toContainText(`单位 ${output.unit}`)
  await expect(source).toContainText(`来源：${output.source}`)
  await page.screenshot({ path: join(artifacts, 'profile-source.png') })

  // Back returns to the screen the search started from.
  await page.getByTestId('town-back').click()
  await expect(page).toHaveURL(/#\/index$/)
})

test('compare two towns side by side', async ({ page }) => {
  const a = cliTown(TOWN)
  const b = cliTown(OTHER)
  await open(page, `/town?id=${a.town.id}`)
  await ready(page)
  await page.getByTestId('compare').click()
  const picker = page.getByTestId('compare-search')
  await picker.getByTestId('search-input').fill(OTHER)
  await picker.locator(`[data-testid="search-hit"][data-id="${b.town.id}"]`).click()
  await expect(page).toHaveURL(new RegExp(`#/town\\?id=${a.town.id}&with=${b.town.id}$`))
  const view = page.getByTestId('compare-view')
  await expect(view).toBeVisible()
  await expect(page.getByTestId('compare-a')).toHaveText(a.town.name)
  await expect(page.getByTestId('compare-b')).toHaveText(b.town.name)
  await expect(view.getByTestId('compare-row')).toHaveCount(a.figures.length + 1)
  // The index row holds both towns' scores as the CLI gives them.
  const index = view.locator('[data-testid="compare-row"][data-key="index"]')
  if (a.index?.score != null) await expect(index).toContainText(a.index.score.toFixed(1))
  if (b.index?.score != null) await expect(index).toContainText(b.index.score.toFixed(1))
  await page.screenshot({ path: join(artifacts, 'profile-compare.png') })
  await page.getByTestId('compare-close').click()
  await ready(page)
})
