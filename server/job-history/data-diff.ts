import type { DataChange } from '../../shared/job-history.ts';

/** The audit keeps at most this many changed paths, each value abbreviated to MAX_VALUE characters of JSON. */
export const MAX_CHANGES = 50;
const MAX_VALUE = 200;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

const TOO_DEEP = '(too deeply nested to show)';

/** JSON of a value; undefined when it is nested too deep for the stack (a hostile payload must not be a 500). */
function json(v: unknown): string | undefined {
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return undefined;
  }
}

function show(v: unknown): string {
  const text = json(v);
  if (text === undefined) return TOO_DEEP;
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

/**
 * The paths where `after` differs from `before` (objects walked key by key; arrays and scalars compared
 * whole), as `a.b` paths with abbreviated JSON values: the audit log's record of what an edit changed.
 */
export function diffJson(before: unknown, after: unknown, max = MAX_CHANGES): DataChange[] {
  const out: DataChange[] = [];
  const walk = (a: unknown, b: unknown, path: string) => {
    if (out.length >= max) return;
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(a)) {
        const p = path ? `${path}.${key}` : key;
        if (!Object.hasOwn(b, key)) out.push({ path: p, op: 'removed', from: show(a[key]) });
        else walk(a[key], b[key], p);
        if (out.length >= max) return;
      }
      for (const key of Object.keys(b)) {
        if (out.length >= max) return;
        if (!Object.hasOwn(a, key)) out.push({ path: path ? `${path}.${key}` : key, op: 'added', to: show(b[key]) });
      }
      return;
    }
    const ja = json(a);
    if (ja === undefined || ja !== json(b)) out.push({ path: path || '(root)', op: 'changed', from: show(a), to: show(b) });
  };
  try {
    walk(before, after, '');
  } catch (err) {
    // Objects nested deeper than the stack: recorded as one change of the whole, not a failed edit.
    if (!(err instanceof RangeError)) throw err;
    return [{ path: '(root)', op: 'changed', from: show(before), to: show(after) }];
  }
  return out;
}
