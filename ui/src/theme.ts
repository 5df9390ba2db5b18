// Two themes: a dark big-screen theme for projectors and a light office theme. Colours live in CSS
// variables (style.css); charts read them so both stay in step.
import { ref, watch } from 'vue'

export type ThemeName = 'dark' | 'light'
const KEY = 'towncockpit.theme'

function initial(): ThemeName {
  const q = new URLSearchParams(window.location.search).get('theme')
  if (q === 'dark' || q === 'light') return q
  const saved = localStorage.getItem(KEY)
  return saved === 'light' ? 'light' : 'dark'
}

export const theme = ref<ThemeName>(initial())

watch(
  theme,
  (t) => {
    document.documentElement.dataset.theme = t
    localStorage.setItem(KEY, t)
  },
  { immediate: true },
)

export const themeLabel: Record<ThemeName, string> = { dark: '大屏深色', light: '办公浅色' }

/** The current value of a CSS colour variable, e.g. `cssVar('--text')`. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

/** The series palette of the current theme. */
export function palette(): string[] {
  return [1, 2, 3, 4, 5, 6].map((i) => cssVar(`--series-${i}`))
}
