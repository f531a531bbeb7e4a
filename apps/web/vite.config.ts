import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// The settings SPA, served by the Nest server at /settings (apps/server/src/settings-ui).
// `npm run build` writes it to dist/web next to the compiled server.
export default defineConfig({
  root,
  base: '/settings/',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  // The server's response types are erased; its text limits (libs/api-types/src/limits.ts) are bundled.
  resolve: { alias: { '@app/api-types': fileURLToPath(new URL('../../libs/api-types/src', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // No inline modulepreload polyfill: the page's Content-Security-Policy allows only its own files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  server: {
    // `npx vite --config apps/web/vite.config.ts` for UI work: API calls go to a running `npm start`.
    proxy: { '/v1.0': 'http://localhost:3000' },
  },
});
