import { createHash } from 'node:crypto';

/**
 * What makes two failures "the same cause": the error's class, its message with everything that varies per job
 * (ids, numbers, UUIDs, URLs, hex, emails, quoted values) replaced by placeholders, and the top frame of our own
 * code as file:function (no line or column, so a redeploy keeps the group). Pure functions; the recorder and the
 * tests use them alike.
 */

/** Order matters: whole tokens (URLs, emails, UUIDs) go before the numbers inside them would be replaced. */
const RULES: ReadonlyArray<[RegExp, string]> = [
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>)\]]+/gi, '<url>'],
  [/\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, '<email>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  // ISO timestamps and dates, before their digits become numbers.
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g, '<time>'],
  // Quoted values: what a message quotes is the variable part ("Integration "int_42" does not exist").
  [/"[^"\n]*"|'[^'\n]*'|`[^`\n]*`/g, '<str>'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // Long hex runs (hashes, object ids) that hold at least one digit.
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  // Ids that mix letters and digits (ch_3MmlLrLk, org-42, job123abc): a token with a digit and a letter, or a prefix_ token.
  [/\b(?=[\w-]*\d)(?=[\w-]*[a-z])[a-z]+[_-][\w-]+\b/gi, '<id>'],
  [/\b(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{8,}\b/gi, '<id>'],
  // Any digit run, inside words too (5000ms, v27), so a number never splits a group.
  [/\d+(?:\.\d+)?/g, '<n>'],
];

/** The message with its per-job parts replaced by placeholders, whitespace collapsed, at most 500 characters. */
export function normaliseMessage(message: string): string {
  let out = message;
  for (const [pattern, placeholder] of RULES) out = out.replace(pattern, placeholder);
  return out.replace(/\s+/g, ' ').trim().slice(0, 500);
}

/**
 * The first frame of our own code in a V8 stack: a file under server/ (the sources or the build's dist/server), not
 * node_modules, not node's internals, as `server/<file>:<function>` without extension, line or column. The worker's
 * own wrapper (server/queue/worker.ts) is skipped when a deeper frame of ours exists: it is on every job's stack.
 * Undefined when no frame is ours.
 */
export function topOwnFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  let wrapper: string | undefined;
  for (const line of stack.split('\n')) {
    const frame = parseFrame(line);
    if (!frame) continue;
    if (frame.file === 'server/queue/worker') {
      wrapper ??= `${frame.file}:${frame.fn}`;
      continue;
    }
    return `${frame.file}:${frame.fn}`;
  }
  return wrapper;
}

function parseFrame(line: string): { file: string; fn: string } | undefined {
  const m = /^\s*at (?:(.+?) \()?(.+?)(?::\d+)?(?::\d+)?\)?$/.exec(line);
  if (!m) return undefined;
  const location = m[2].replace(/^file:\/\//, '');
  if (location.startsWith('node:') || location.includes('/node_modules/')) return undefined;
  const own = /(?:^|[\\/])server[\\/](.+?)\.(?:[cm]?[jt]sx?)$/.exec(location);
  if (!own) return undefined;
  const fn =
    (m[1] ?? '<anonymous>')
      .replace(/^async /, '')
      .replace(/^new /, '')
      .trim() || '<anonymous>';
  return { file: `server/${own[1].replace(/\\/g, '/')}`, fn };
}

export interface FailureCause {
  queue: string;
  /** err.name: the error's class as the worker saw it. */
  name: string;
  /** The normalised message. */
  message: string;
  /** topOwnFrame of the stack, or '' when none is ours. */
  frame: string;
}

/** The cause of one failure, from the error the worker caught. */
export function causeOf(queue: string, err: { name?: string; message?: string; stack?: string }): FailureCause {
  return { queue, name: err.name || 'Error', message: normaliseMessage(err.message ?? ''), frame: topOwnFrame(err.stack) ?? '' };
}

/** The group's id: 16 hex characters of a SHA-1 over the queue and the cause (a queue's groups are its own). */
export function fingerprintOf(cause: FailureCause): string {
  return createHash('sha1').update([cause.queue, cause.name, cause.message, cause.frame].join('\u0000')).digest('hex').slice(0, 16);
}
