// PM2 on one machine, after `npm ci && npm run build`: `pm2 start ecosystem.config.cjs`.
// Secrets (REDIS_URL, DATABASE_URL, ENCRYPTION_KEY, ADMIN_PASSWORD) come from the shell PM2 is started
// in, or from .env in this directory, which both entry points read at start (the environment wins).

// PM2 stops a process with SIGINT, then SIGKILL after kill_timeout: leave the workers their full
// SHUTDOWN_TIMEOUT_MS to finish active jobs, plus time to close Redis and the store.
const SHUTDOWN_TIMEOUT_MS = 30_000;
const killTimeout = SHUTDOWN_TIMEOUT_MS + 10_000;

const common = {
  cwd: __dirname,
  // The compiled files with node itself (never tsx or npm), so the signal reaches the process.
  interpreter: 'node',
  exec_mode: 'fork',
  kill_timeout: killTimeout,
  autorestart: true,
};

module.exports = {
  apps: [
    {
      ...common,
      name: 'bizinsights-app',
      script: 'dist/server/main.js',
      instances: 1,
      // The worker processes below do the work and the scheduling.
      env: { NODE_ENV: 'production', RUN_WORKERS: 'false', SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) },
    },
    {
      ...common,
      name: 'bizinsights-worker',
      script: 'dist/server/worker-main.js',
      instances: 2,
      // Each instance serves /livez and /readyz on its own port: 3001, 3002, …
      increment_var: 'WORKER_HTTP_PORT',
      env: { NODE_ENV: 'production', WORKER_HTTP_PORT: 3001, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) },
    },
  ],
};
