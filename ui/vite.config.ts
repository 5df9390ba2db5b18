import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { viewMeta } from './viewMeta'

// Relative asset paths so the same build works under Tauri's custom protocol and `towncockpit serve`.
export default defineConfig({
  base: './',
  plugins: [viewMeta(), vue()],
  clearScreen: false,
  build: {
    target: ['es2021', 'chrome105', 'safari15'],
    chunkSizeWarningLimit: 1500,
    reportCompressedSize: false,
  },
  server: { strictPort: true, port: 5173 },
})
