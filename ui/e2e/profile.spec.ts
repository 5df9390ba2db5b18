// 小镇档案 in a real browser against `towncockpit serve`: "/" focuses the header's search on any
// screen, pinyin initials and Enter open the town's profile, whose name, figures and sources equal
// `towncockpit town NAME --json`; a figure's source opens on click; back returns to the screen the
// search started from; 对比 sets two towns side by side as the CLI reports them. Screenshots at
// 1920×1080: artifacts/profile-town.png, profile-source.png, profile-compare.png. Photos attached and
// a case added through the CLI show on the profile; a photo whose file went missing says so.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import type { Profile } from '../src/profileTypes'
import { artifacts, bin, serveState } from './server'

mkdirSync(artifacts, { recursive: true })

const TOWN = '余杭梦想小镇'
const INITIALS = 'yhmx'
const OTHER = '西湖云栖小镇'

function run(args: string[]): string {
  const { db } = serveState()
  return execFileSync(bin, ['--db', db, ...args], { encoding: 'utf8' })
}

function cliTown(name: string): Profile {
  return JSON.parse(run(['town', name, '--json'])) as Profile
}

// Two small PNGs (1×1 and 2×1 pixels).
const PNG_A = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGOQqzgBAAIWAV+8KCb8AAAAAElFTkSuQmCC'
const PNG_B = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAADUlEQVR4nGM4ESAHRAAJ1QJtnRuZ3QAAAABJRU5ErkJggg=='

/** Attaches a photo and a case to the town through the CLI; the second photo's file is then lost. */
function attachMedia(name: string) {
  const { db, dir } = serveState()
  const a = join(dir, '小镇客厅.png')
  const b = join(dir, '丢失的照片.png')
  writeFileSync(a, Buffer.from(PNG_A, 'base64'))
  writeFileSync(b, Buffer.from(PNG_B, 'base64'))
  run(['town', name, '--attach', a, '--caption', '小镇客厅', '--date', '2025-06-30'])
  run(['town', name, '--attach', b, '--caption', '丢失的照片'])
  const sha = createHash('sha256').update(Buffer.from(PNG_B, 'base64')).digest('hex')
  rmSync(join(dirname(db), 'media', `${sha}.png`))
  run(['case', 'add', '--title', '梦想小镇创业服务', '--text', '一站式创业服务。', '--date', '2025-04-01', '--tag', '创业', '--town', name])
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
  attachMedia(TOWN)
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
  const iv = cli.index?.rank_interval
  if (iv) await expect(page.getByTestId('town-index')).toContainText(`名次区间 ${iv[0].toFixed(0)}–${iv[1].toFixed(0)}`)
  // The photos: one shown, one whose file is gone says so; the case is listed.
  const media = page.getByTestId('town-media')
  await expect(media.locator('[data-testid="media"][data-state="ok"] img')).toHaveJSProperty('complete', true)
  await expect(media.locator('[data-testid="media"][data-state="missing"]')).toContainText('文件缺失')
  await expect(media.locator('[data-testid="media"][data-state="missing"] .nofile')).toHaveAttribute('title', /丢失的照片\.png/)
  await expect(page.getByTestId('town-cases')).toContainText('梦想小镇创业服务')
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
