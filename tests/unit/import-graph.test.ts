/**
 * The layers point one way (README "Architecture"): this reads every import of the server's source
 * (type-only, re-exports and dynamic imports included) and fails on an edge that points back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const rel = (p: string) => path.relative(ROOT, p).split(path.sep).join('/');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm;

/** The repository-relative files a source file imports (bare package imports left out). */
function importsOf(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith('.')) out.push(rel(path.resolve(path.dirname(file), spec)));
  }
  return out;
}

/** [from folder, forbidden folder, why] */
const RULES: Array<[string, string, string]> = [
  ['server/domain/', 'server/http/', 'the domain knows nothing of HTTP'],
  ['server/domain/', 'server/queue/', 'the domain receives functions; the job contract is server/jobs'],
  ['server/domain/', 'server/demo/', 'demo fakes are wired in by the demo path only'],
  ['server/domain/', 'server/app/', 'only entry points use the composition root'],
  ['server/queue/', 'server/http/', 'the queue layer knows nothing of HTTP'],
  ['server/queue/', 'server/demo/', 'demo fakes are wired in by the demo path only'],
  ['server/queue/', 'server/app/', 'only entry points use the composition root'],
  ['server/jobs/', 'server/', 'the job contract is neutral ground (shared/ and the logger only)'],
  ['server/monitoring/', 'server/http/', 'monitoring is below HTTP'],
  ['server/webhooks/', 'server/http/', 'webhook verification is below HTTP'],
  ['shared/', 'server/', 'shared/ is imported by the browser too'],
];
const ALLOWED_IN_JOBS = new Set(['server/logger.ts']);

function violations(): string[] {
  const files = [...sourceFiles(path.join(ROOT, 'server')), ...sourceFiles(path.join(ROOT, 'shared'))];
  const found: string[] = [];
  for (const file of files) {
    const from = rel(file);
    for (const target of importsOf(file)) {
      for (const [dir, forbidden, why] of RULES) {
        if (!from.startsWith(dir) || !target.startsWith(forbidden) || target.startsWith(dir)) continue;
        if (dir === 'server/jobs/' && ALLOWED_IN_JOBS.has(target)) continue;
        found.push(`${from} imports ${target}: ${why}`);
      }
    }
  }
  return found;
}

describe('import graph', () => {
  it('reads type-only, re-export, dynamic and side-effect imports', () => {
    const file = path.join(ROOT, 'server/domain/x.ts');
    const text = [
      "import type { A } from '../queue/a.ts';",
      "export { B } from '../http/b.ts';",
      "const c = await import('../demo/c.ts');",
      "import '../app/d.ts';",
      "import { z } from 'zod';",
    ].join('\n');
    expect(importsOf(file, text)).toEqual(['server/queue/a.ts', 'server/http/b.ts', 'server/demo/c.ts', 'server/app/d.ts']);
  });

  it('has no edge that points back up the layers', () => {
    expect(violations()).toEqual([]);
  });
});
