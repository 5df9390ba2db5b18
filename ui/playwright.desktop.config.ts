import { defineConfig } from '@playwright/test'

// The desktop-window suite drives tauri-driver over plain WebDriver; it needs no browser of its own.
export default defineConfig({
  testDir: './e2e-desktop',
  timeout: 120_000,
  workers: 1,
  forbidOnly: true,
  reporter: [['list']],
  outputDir: './test-results/desktop',
})
