// `views/XView.vue?meta` imports only the plain `<script>` block of a screen's SFC (its `view` nav
// entry), so the nav and the routes can list every screen while each screen's component, and the
// chart code it pulls in, loads only when the screen is first opened (see src/views.ts).
import { readFileSync } from 'node:fs'
import { parse } from 'vue/compiler-sfc'
import type { Plugin } from 'vite'

const QUERY = '?meta'
// The block is TypeScript: an id ending in `.ts` goes through Vite's own TypeScript transform.
const SUFFIX = '.meta.ts'

export function viewMeta(): Plugin {
  return {
    name: 'towncockpit-view-meta',
    enforce: 'pre',
    async resolveId(source, importer) {
      if (!source.endsWith('.vue' + QUERY)) return null
      const sfc = await this.resolve(source.slice(0, -QUERY.length), importer, { skipSelf: true })
      return sfc ? sfc.id + SUFFIX : null
    },
    load(id) {
      if (!id.endsWith('.vue' + SUFFIX)) return null
      const file = id.slice(0, -SUFFIX.length)
      this.addWatchFile(file)
      const { descriptor } = parse(readFileSync(file, 'utf8'), { filename: file })
      return descriptor.script?.content ?? 'export {}'
    },
  }
}
