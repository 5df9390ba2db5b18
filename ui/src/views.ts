// The screens. Every `views/*View.vue` that exports `view` becomes a route and a nav entry, so a new
// screen is one new file and the nav never shows a screen that does not exist. The `view` entries
// are read at start through `?meta` (only the SFC's plain `<script>` block, see viewMeta.ts); each
// screen's component loads when the screen is first opened, so the start parses only the code the
// first screen needs.
import type { Component } from 'vue'

export interface ViewMeta {
  /** Route path, e.g. '/overview'. */
  path: string
  /** Nav label in Chinese. */
  title: string
  /** Position in the nav (smaller first). */
  order: number
}

const metas = import.meta.glob<ViewMeta | undefined>('./views/*View.vue', {
  query: '?meta',
  import: 'view',
  eager: true,
})
const components: Record<string, (() => Promise<Component>) | undefined> = import.meta.glob<Component>(
  './views/*View.vue',
  { import: 'default' },
)

export const views: (ViewMeta & { component: () => Promise<Component> })[] = Object.entries(metas)
  .flatMap(([file, meta]) => {
    const component = components[file]
    return meta && component ? [{ ...meta, component }] : []
  })
  .sort((a, b) => a.order - b.order)
