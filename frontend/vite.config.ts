// Vite builds the page into dist/, which gridtiles serves at `/` (`server.static_dir`).
// Everything is bundled (MapLibre, its worker, CSS): the page loads nothing from another
// origin. `npm run dev` proxies the server's routes to GRIDTILES_URL (default localhost:8080).
import { defineConfig } from 'vite';

const target = process.env.GRIDTILES_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: Object.fromEntries(
      ['/tiles', '/tiles.json', '/styles', '/api'].map((p) => [p, { target, changeOrigin: true }]),
    ),
  },
});
