import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = `http://localhost:${process.env.PORT ?? 3000}`;

/** The console lives in client/; `npm run build` writes dist/client, which the server serves. */
export default defineConfig({
  root: 'client',
  plugins: [react(), tailwindcss()],
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    // Libraries in their own long-cached chunks: a console release re-downloads only its own code. A group takes its
    // modules' dependencies too, so the charts group comes last: otherwise it would take React (recharts needs it),
    // and every page, the sign-in page included, would load the charts chunk with it.
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'charts', priority: 1, test: /node_modules[\\/](recharts|d3-|victory-vendor|es-toolkit|@reduxjs|immer|react-redux|reselect|decimal\.js)/ },
            { name: 'react', priority: 3, test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'data', priority: 2, test: /node_modules[\\/](@tanstack|@trpc|zod|cronstrue)/ },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: { '/trpc': api, '/api': api, '/admin': api, '/healthz': api },
  },
});
