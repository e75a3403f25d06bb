import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'bizinsights-jobs';
let cached: string | undefined;

/**
 * This code's package.json version, read once from the nearest package.json of ours above this file: found
 * from source (server/lib) and compiled (dist/server/lib, the image's /app) alike, and under any launcher
 * (npm_package_version is set only by `npm run`). "unknown" if there is none.
 */
export function appVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  for (let dir = import.meta.dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return (cached = pkg.version);
    } catch {
      // No package.json here: look one level up.
    }
    if (path.dirname(dir) === dir) return cached;
  }
}
