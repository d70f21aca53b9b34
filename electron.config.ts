import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * One build for the three ways in: the Electron shell, serve mode and the CLI share src-main's bundle
 * (out/main), the preload is bundled alone (a sandboxed preload cannot require), the renderer is the Svelte app.
 */
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          main: resolve('src-main/main.ts'),
          server: resolve('src-main/server.ts'),
          cli: resolve('src-main/cli.ts'),
          'training-process': resolve('src-main/training-process.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      rollupOptions: {
        input: { preload: resolve('src-main/preload.ts') },
        output: { format: 'cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    // The chart worker is a module worker (new Worker(…, { type: 'module' })).
    worker: { format: 'es' },
    build: {
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
    plugins: [svelte()],
  },
});
