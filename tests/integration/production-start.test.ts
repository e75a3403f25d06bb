/**
 * `NODE_ENV=production` refuses to guess (server/config.ts): without REDIS_URL, ENCRYPTION_KEY or
 * ADMIN_PASSWORD, `npm start` and `npm run worker` exit 1 at once with one line on stderr naming what is
 * missing, before they touch Redis or the disk. Run from source (vitest runs before `npm run build`), and
 * compiled too when dist/server/ has been built.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// By absolute URL: the process runs in a temp directory, so no .env of the checkout is read.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SOURCE = { 'npm start': path.join(ROOT, 'server/main.ts'), 'npm run worker': path.join(ROOT, 'server/worker-main.ts') };
const DIST = { 'npm start': path.join(ROOT, 'dist/server/main.js'), 'npm run worker': path.join(ROOT, 'dist/server/worker-main.js') };

const REQUIRED = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  ENCRYPTION_KEY: 'production-start-test-key-0123456789',
  ADMIN_PASSWORD: 'production-start-test-password',
} as const;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The DATA_DIR it was given (not created beforehand). */
  dataDir: string;
}

/** Runs an entry point with a clean environment (PATH, HOME and `env` only) in an empty temp directory. */
function run(args: string[], env: Record<string, string>, timeoutMs = 20_000): Promise<Run> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'bizinsights-prod-start-'));
  dirs.push(cwd);
  const dataDir = path.join(cwd, 'data');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? os.tmpdir(), DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // A start that does not stop is the failure this guards against: kill it and say so.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} still running after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, dataDir });
    });
  });
}

const entries: Array<[string, string[]]> = [];
for (const [script, file] of Object.entries(SOURCE)) entries.push([`${script} from source (tsx)`, ['--import', TSX, file]]);
for (const [script, file] of Object.entries(DIST)) if (fs.existsSync(file)) entries.push([`${script} compiled (${path.relative(ROOT, file)})`, [file]]);

describe.each(entries)('NODE_ENV=production, %s', (_label, args) => {
  it.each(Object.keys(REQUIRED) as Array<keyof typeof REQUIRED>)('without %s exits 1 with one line naming it', async (missing) => {
    const env: Record<string, string> = { NODE_ENV: 'production', ...REQUIRED };
    delete env[missing];
    const r = await run(args, env);
    const lines = r.stderr.trimEnd().split('\n');
    expect({ code: r.code, lines }, `stdout: ${r.stdout}`).toMatchObject({ code: 1, lines: [expect.stringContaining(missing)] });
    expect(lines).toHaveLength(1);
    // Only the missing one is named.
    for (const other of Object.keys(REQUIRED).filter((k) => k !== missing)) expect(lines[0]).not.toContain(other);
    // It stopped before writing anything (no generated secrets, no store, no embedded Redis).
    expect(fs.existsSync(r.dataDir)).toBe(false);
  });
});
