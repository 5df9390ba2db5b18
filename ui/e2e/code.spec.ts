// The 一码 screen in a real browser against `towncockpit serve`: search by pinyin initials, the
// town's code and colour as `towncockpit code show --json` reports them, colour counts as
// `towncockpit code list --json`, verification of pasted text (authentic, one character changed)
// and of an uploaded card PNG made by `towncockpit code card`, another office's code before and
// after importing its public key, exports into the download folder,
// and screenshots of both themes and the verify dialog.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import type { CodeList, TownCodeView } from '../src/codeTypes'
import { artifacts, bin, serveState } from './server'

mkdirSync(artifacts, { recursive: true })

const TOWN = '余杭梦想小镇'
const INITIALS = 'yhmx'

function cli<T>(args: string[]): T {
  const { db } = serveState()
  return JSON.parse(execFileSync(bin, ['--db', db, 'code', ...args], { encoding: 'utf8' })) as T
}

async function openCode(page: Page, theme = 'dark') {
  const { origin, token } = serveState()
  await page.goto(`${origin}/#token=${token}`)
  await page.goto(`${origin}/?theme=${theme}#/code`)
  await expect(page.getByTestId('code-view')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 })
}

async function pick(page: Page, query: string, code: string) {
  await page.getByTestId('code-search').fill(query)
  const hit = page.locator(`[data-testid="search-result"][data-code="${code}"]`)
  await expect(hit).toBeVisible()
  await hit.click()
  await expect(page.getByTestId('town-code')).toHaveAttribute('data-code', code)
  await expect(page.getByTestId('code-view')).toHaveAttribute('data-state', 'ready')
}

test('search by pinyin initials shows the code and colour the CLI reports', async ({ page }) => {
  await openCode(page)
  const cliView = cli<TownCodeView>(['show', TOWN, '--json'])
  await pick(page, INITIALS, cliView.code)
  const shown = page.getByTestId('town-code')
  await expect(shown).toHaveAttribute('data-colour', cliView.colour)
  await expect(page.getByTestId('town-name')).toHaveText(cliView.name)
  await expect(page.getByTestId('town-printed')).toHaveText(cliView.printed)
  await expect(page.getByTestId('town-colour')).toHaveText(`${cliView.colour}码`)
  await expect(page.getByTestId('reason')).toHaveCount(cliView.reasons.length)
  for (const r of cliView.reasons) {
    await expect(page.locator(`[data-testid="reason"][data-rule="${r.id}"]`)).toContainText(r.detail)
  }
  await expect(page.getByTestId('card-img')).toHaveJSProperty('complete', true)
  expect(await page.getByTestId('card-img').evaluate((i: HTMLImageElement) => i.naturalWidth)).toBeGreaterThan(500)
  if (cliView.demo) await expect(page.getByTestId('demo-badge')).toHaveText('示例数据')
})

test('colour chips count what the CLI counts and filter the table', async ({ page }) => {
  await openCode(page)
  const list = cli<CodeList>(['list', '--json'])
  await expect(page.getByTestId('chip-all')).toHaveAttribute('data-count', String(list.total))
  await expect(page.getByTestId('code-row')).toHaveCount(list.total)
  for (const c of ['绿', '黄', '红', '灰'] as const) {
    const n = list.counts[c]
    await expect(page.getByTestId(`chip-${c}`)).toHaveAttribute('data-count', String(n))
    await page.getByTestId(`chip-${c}`).click()
    await expect(page.getByTestId('code-row')).toHaveCount(n)
    if (n > 0) await expect(page.locator(`[data-testid="code-row"]:not([data-colour="${c}"])`)).toHaveCount(0)
  }
  // The demo shows every colour.
  for (const c of ['绿', '黄', '红', '灰'] as const) expect(list.counts[c]).toBeGreaterThan(0)
})

test('verify: pasted text is authentic, one changed character is not', async ({ page }) => {
  await openCode(page)
  const { payload } = cli<TownCodeView>(['show', TOWN, '--json'])
  await page.getByTestId('open-verify').click()
  await page.getByTestId('verify-text').fill(payload)
  await page.getByTestId('verify-paste').click()
  await expect(page.getByTestId('verify-label')).toHaveText('真实有效')
  await expect(page.getByTestId('verify-verdict')).toHaveAttribute('data-ok', 'true')
  await page.screenshot({ path: join(artifacts, 'code-verify.png') })
  // One character of the signed name changed.
  const i = payload.indexOf('梦')
  expect(i).toBeGreaterThan(0)
  const forged = payload.slice(0, i) + '孟' + payload.slice(i + 1)
  await page.getByTestId('verify-text').fill(forged)
  await page.getByTestId('verify-paste').click()
  await expect(page.getByTestId('verify-label')).toHaveText('签名不符：可能被篡改')
  await expect(page.getByTestId('verify-verdict')).toHaveAttribute('data-ok', 'false')
})

test('verify: uploading a card PNG made by the CLI', async ({ page }) => {
  const { db, dir } = serveState()
  const png = join(dir, 'card-cli.png')
  execFileSync(bin, ['--db', db, 'code', 'card', TOWN, '--out', png], { encoding: 'utf8' })
  await openCode(page)
  await page.getByTestId('open-verify').click()
  await page.getByTestId('verify-file').setInputFiles(png)
  await expect(page.getByTestId('verify-label')).toHaveText('真实有效')
  await expect(page.getByTestId('verify-verdict')).toContainText(TOWN)
})

test('verify: another office\'s code is unknown until its public key is imported', async ({ page }) => {
  const { dir } = serveState()
  // A second installation (its own database and signing key) issues a code and exports its key.
  const otherDb = join(dir, 'other-office', 'cockpit.sqlite')
  const other = (args: string[]) => execFileSync(bin, ['--db', otherDb, 'code', ...args], { encoding: 'utf8' })
  const { payload } = JSON.parse(other(['show', TOWN, '--json'])) as TownCodeView
  const keyFile = join(dir, '湖州市发改委公钥.txt')
  other(['key', 'export', keyFile, '--issuer', '湖州市发改委'])

  await openCode(page)
  await page.getByTestId('open-verify').click()
  await expect(page.getByTestId('trusted-key').first()).toHaveAttribute('data-own', 'true')
  await page.getByTestId('verify-text').fill(payload)
  await page.getByTestId('verify-paste').click()
  await expect(page.getByTestId('verify-label')).toHaveText('签发方未知')

  // A file that is not a key file is refused in Chinese, naming the file.
  const bogus = join(dir, '不是公钥.txt')
  writeFileSync(bogus, '你好\n')
  await page.getByTestId('key-file').setInputFiles(bogus)
  await expect(page.getByTestId('key-error')).toContainText('不是公钥.txt')
  await expect(page.getByTestId('trusted-key')).toHaveCount(1)

  // Importing the right key re-checks the code at once.
  await page.getByTestId('key-file').setInputFiles(keyFile)
  await expect(page.getByTestId('key-note')).toContainText('湖州市发改委')
  await expect(page.getByTestId('verify-label')).toHaveText('真实有效')
  await expect(page.getByTestId('verify-verdict')).toContainText('湖州市发改委')
  await expect(page.getByTestId('trusted-key')).toHaveCount(2)
  await page.screenshot({ path: join(artifacts, 'code-keys.png') })

  // This office's own key goes to the download folder under the name typed in.
  await page.getByTestId('issuer-name').fill('杭州市余杭区发改局')
  await page.getByTestId('key-export').click()
  await expect(page.getByTestId('key-note')).toContainText(join(dir, 'downloads'))
  const own = cli<TownCodeView>(['show', TOWN, '--json']).key_id
  expect(readFileSync(join(dir, 'downloads', `小镇码公钥-${own}.txt`), 'utf8')).toContain('杭州市余杭区发改局')
})

test('exports land in the download folder and say where', async ({ page }) => {
  const { dir } = serveState()
  await openCode(page)
  const cliView = cli<TownCodeView>(['show', TOWN, '--json'])
  await pick(page, TOWN, cliView.code)
  await page.getByTestId('export-pdf').click()
  const result = page.getByTestId('export-result')
  await expect(result).toContainText(join(dir, 'downloads'))
  await expect(result).toContainText(`${cliView.code}_A6.pdf`)
  expect(existsSync(join(dir, 'downloads', `小镇码卡片_${TOWN}_${cliView.code}_A6.pdf`))).toBe(true)
})

test('both themes render; screenshots are kept', async ({ page }) => {
  for (const theme of ['dark', 'light']) {
    await openCode(page, theme)
    const cliView = cli<TownCodeView>(['show', TOWN, '--json'])
    await pick(page, INITIALS, cliView.code)
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme)
    await page.screenshot({ path: join(artifacts, `code-${theme}.png`) })
  }
})
