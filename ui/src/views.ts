// The screens. Every `views/*View.vue` that exports `view` becomes a route and a nav entry, so a new
// screen is one new file and the nav never shows a screen that does not exist.
import type { Component } from 'vue'

export interface ViewMeta {
  /** Route path, e.g. '/overview'. */
  path: string
  /** Nav label in Chinese. */
  title: string
  /** Position in the nav (smaller first). */
  order: number
}

interface ViewModule {
  default: Component
  view: ViewMeta
}

const modules = import.meta.glob<ViewModule>('./views/*View.vue', { eager: true })

export const views: (ViewMeta & { component: Component })[] = Object.values(modules)
  .filter((m) => m.view)
  .map((m) => ({ ...m.view, component: m.default }))
  .sort((a, b) => a.order - b.order)
