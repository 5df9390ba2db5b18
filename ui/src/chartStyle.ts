// Chart styling shared by the screens: axes, text and tooltips from the theme's CSS variables, so
// every chart follows the dark/light switch.
import type { EChartsCoreOption } from 'echarts/core'
import { cssVar, palette } from './theme'

export function axisStyle(fontSize = 13) {
  const grid = cssVar('--grid')
  return {
    axisLabel: { color: cssVar('--text-dim'), fontSize, fontFamily: 'Noto Sans SC' },
    axisLine: { lineStyle: { color: grid } },
    splitLine: { lineStyle: { color: grid } },
  }
}

/** Colours, font, tooltip and legend common to every chart. */
export function chartBase(): EChartsCoreOption {
  return {
    color: palette(),
    animation: false,
    textStyle: { fontFamily: 'Noto Sans SC', color: cssVar('--text') },
    tooltip: { confine: true },
    legend: { top: 0, left: 'center', textStyle: { color: cssVar('--text-dim'), fontSize: 13 }, itemHeight: 10 },
  }
}

/** CSS variables of the dimension colours (the six series colours, then a neutral one). */
export const DIMENSION_VARS = ['--series-1', '--series-2', '--series-3', '--series-4', '--series-5', '--series-6', '--neutral']

export function dimensionVar(k: number): string {
  return `var(${DIMENSION_VARS[k % DIMENSION_VARS.length]})`
}
