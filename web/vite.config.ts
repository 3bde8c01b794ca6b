/**
 * Builds the files page (web/) into web/dist, which wrangler serves as Workers static assets
 * (wrangler.toml `[assets]`): `/` is the page, every API path still reaches the worker.
 * `npm run dev:web` serves the sources with hot reload and proxies the API to `npm start`.
 */
import { defineConfig } from "vite";

const api = process.env.API_ORIGIN ?? "http://127.0.0.1:8787";

export default defineConfig({
  root: import.meta.dirname,
  // JSX through Vite's own transform with Preact's runtime: no Babel preset needed.
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
    // Swagger UI (the /docs page) is one 1.5 MB bundle; it is loaded only there.
    chunkSizeWarningLimit: 2_000,
    // Two pages: the files page at / and the API reference at /docs/.
    rollupOptions: {
      input: { files: `${import.meta.dirname}/index.html`, docs: `${import.meta.dirname}/docs/index.html` },
      // Slow plugins are the machine's load (tests run in parallel), not something to fix here.
      checks: { bundlerTimings: false },
    },
  },
  server: { proxy: { "/inventory": api, "/tenant": api, "/user": api, "/platform": api, "/openapi.json": api } },
});
