// The 数据 screen in a real browser against `towncockpit serve`: a file with a bad row is refused
// with the error table and nothing changes; a good file's dry run shows what
// `towncockpit import --dry-run --json` reports, confirming imports it as a batch the CLI lists,
// and undo takes it back; templates and exports land in the download folder. Screenshots
// `artifacts/data-*.png`.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { artifacts, bin, serveState } from './server'

mkdirSync(artifacts, { recursive: true })

const HEADER =
  '统一社会信用代码,企业名称,小镇名称,行业,成立日期,规上企业,高新技术企业,上市企业,专精特新,小巨人,单项冠军,链主企业,小镇孵化,产出（万元）,增加值（万元）,税收（万元）,研发经费（万元）,从业人员（人）,用地（亩）,能耗（吨标准煤）'
// Check characters computed outside this program (GB 32100, a Python transcription).
const CODES = ['91330106MA2CD4FL1W', '91330106MA2CD4FL20']
const TOWN = '上城玉皇山南基金小镇'
const row = (code: string, name: string, output: string) =>
  `${code},${name},${TOWN},私募基金,2019-05-01,是,否,否,否,否,否,否,否,${output},300,40,20,56,12.5,80`

interface Report {
  added: number
  changed: number
  unchanged: number
  refused: number
  errors: { message: string }[]
}

function cli(args: string[]): string {
  const { db } = serveState()
  try {
    return execFileSync(bin, ['--db', db, ...args], { encoding: 'utf8' })
  } catch (e) {
    // A refused import exits 1 and still prints its report.
    return String((e as { stdout?: string }).stdout ?? '')
  }
}

function csvFile(name: string, rows: string[]): string {
  const path = join(serveState().dir, name)
  writeFileSync(path, `${HEADER}\n${rows.join('\n')}\n`)
  return path
}

async function openData(page: Page) {
  const { origin, token } = serveState()
  await page.goto(`${origin}/#token=${token}`)
  await page.goto(`${origin}/?theme=dark#/data`)
  await expect(page.getByTestId('data-view')).toHaveAttribute('data-step', 'pick', { timeout: 60_000 })
}

test('a file with a bad row is refused with its errors and changes nothing', async ({ page }) => {
  await openData(page)
  const path = csvFile('bad.csv', [row(CODES[0], '甲公司', '1200'), row(CODES[1], '乙公司', '约100')])
  const expected = JSON.parse(cli(['import', 'enterprises', path, '--dry-run', '--json'])) as Report
  const batchesBefore = cli(['import', 'batches', '--json'])
  await page.getByTestId('import-file').setInputFiles(path)
  await expect(page.getByTestId('data-view')).toHaveAttribute('data-step', 'review')
  await expect(page.getByTestId('report-kind')).toHaveText('企业名录')
  await expect(page.getByTestId('count-refused')).toHaveText(String(expected.refused))
  await expect(page.getByTestId('error-row')).toHaveCount(expected.errors.length)
  await expect(page.getByTestId('error-row').first()).toHaveAttribute('title', expected.errors[0].message)
  await expect(page.getByTestId('error-row').first()).toContainText('约100')
  await expect(page.getByTestId('import-confirm')).toBeDisabled()
  await page.screenshot({ path: join(artifacts, 'data-refused.png') })
  expect(cli(['import', 'batches', '--json'])).toBe(batchesBefore)
})

test('dry run, confirm and undo match the CLI', async ({ page }) => {
  await openData(page)
  const path = csvFile('good.csv', [row(CODES[0], '甲公司', '1200'), row(CODES[1], '乙公司', '1,300')])
  const expected = JSON.parse(cli(['import', 'enterprises', path, '--dry-run', '--json'])) as Report
  expect(expected.refused).toBe(0)
  await page.getByTestId('import-file').setInputFiles(path)
  await expect(page.getByTestId('data-view')).toHaveAttribute('data-step', 'review')
  for (const k of ['added', 'changed', 'unchanged', 'refused'] as const) {
    await expect(page.getByTestId(`count-${k}`)).toHaveText(String(expected[k]))
  }
  await expect(page.getByTestId('mapping')).toContainText('统一社会信用代码')
  await page.screenshot({ path: join(artifacts, 'data-review.png') })
  await page.getByTestId('import-confirm').click()
  await expect(page.getByTestId('import-done')).toBeVisible()
  const batches = JSON.parse(cli(['import', 'batches', '--json'])) as { id: number; file_name: string; added: number }[]
  expect(batches[0]).toMatchObject({ file_name: 'good.csv', added: expected.added })
  await expect(page.locator(`[data-testid="batch"][data-id="${batches[0].id}"]`)).toBeVisible()
  await page.screenshot({ path: join(artifacts, 'data-done.png') })

  await page.getByTestId('undo').click()
  await expect(page.getByTestId('data-note')).toContainText(`已撤销导入批次 ${batches[0].id}`)
  const after = JSON.parse(cli(['import', 'batches', '--json'])) as { id: number; undone_at: string | null }[]
  expect(after[0].undone_at).not.toBeNull()
  // The same file imports again as new rows: the undo removed them.
  const again = JSON.parse(cli(['import', 'enterprises', path, '--dry-run', '--json'])) as Report
  expect(again.added).toBe(expected.added)
})

test('templates and exports are saved into the download folder', async ({ page }) => {
  await openData(page)
  const downloads = join(serveState().dir, 'downloads')
  await page.getByTestId('template-towns').click()
  await expect(page.getByTestId('data-note')).toContainText('模板已保存')
  expect(existsSync(join(downloads, '小镇清单模板.xlsx'))).toBe(true)
  await page.getByTestId('export-kind').selectOption('towns')
  await page.getByTestId('export-format').selectOption('csv')
  await page.getByTestId('export').click()
  const towns = JSON.parse(cli(['towns', '--json'])) as { towns: unknown[] }
  await expect(page.getByTestId('data-note')).toContainText(`已导出 ${towns.towns.length} 行`)
  await page.screenshot({ path: join(artifacts, 'data-export.png') })
})
