// Shared by the browser tests: the 一指数 methodology tab's way to a new saved version.
import { expect, type Page } from '@playwright/test'

/** On the 一指数 screen: gives the 服务功能 dimension `weight`, recomputes and saves as `name`. */
export async function saveServicesWeight(page: Page, weight: string, name: string) {
  await page.getByTestId('tab-method').click()
  await page.getByTestId('weight-services').fill(weight)
  await page.getByTestId('recompute').click()
  await expect(page.getByTestId('recomputed-row').first()).toBeVisible()
  await page.getByTestId('save-name').fill(name)
  await page.getByTestId('save-version').click()
}
