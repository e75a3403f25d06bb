import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Resend's POST /emails, for tests and local runs: the same success body
 * ({ id }), the same error envelope ({ statusCode, name, message }), and Idempotency-Key
 * handling (same key + same body → same id, nothing sent twice; same key + another body → 409).
 */

export interface ResendStandinMessage {
  id: string;
  from: string;
  to: string[];
  subject: string;
  html?: string;
  text?: string;
  cc?: string[];
  bcc?: string[];
  replyTo?: string[];
  idempotencyKey?: string;
  /** The JSON body as received. */
  body: Record<string, unknown>;
  at: number;
}

export interface ResendStandin {
  url: string;
  port: number;
  /** Every message accepted, oldest first (an idempotent repeat is not added). */
  sent: ResendStandinMessage[];
  /** Every request received (method, path, status answered), oldest first. */
  requests: { method: string; path: string; status: number; idempotencyKey?: string }[];
  /** The next `times` (default 1) POST /emails answer `status` with Resend's error body, whatever they ask. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export interface ResendStandinOptions {
  apiKey: string;
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
}

interface ErrorBody {
  statusCode: number;
  name: string;
  message: string;
}

const ERROR_NAMES: Record<number, [string, string]> = {
  400: ['validation_error', 'We found an error with one or more fields in the request.'],
  401: ['missing_api_key', 'Missing API key in the authorization header.'],
  403: ['invalid_api_key', 'API key is invalid.'],
  404: ['not_found', 'The requested endpoint does not exist.'],
  409: ['concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress.'],
  422: ['validation_error', 'We found an error with one or more fields in the request.'],
  429: ['rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second.'],
  500: ['internal_server_error', 'An unexpected error occurred.'],
};

const errorBody = (statusCode: number, name?: string, message?: string): ErrorBody => {
  const [n, m] = ERROR_NAMES[statusCode] ?? (statusCode >= 500 ? ERROR_NAMES[500] : ERROR_NAMES[400]);
  return { statusCode, name: name ?? n, message: message ?? m };
};

const list = (v: unknown): string[] | undefined =>
  typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;

/** Loose address check, as Resend's: `a@b.c` or `Name <a@b.c>`. */
const ADDRESS = /^(?:[^<>]*<\s*[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+\s*>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;

function validate(body: unknown): ErrorBody | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return errorBody(422, 'validation_error', 'The request body must be a JSON object.');
  }
  const b = body as Record<string, unknown>;
  for (const field of ['from', 'to', 'subject'] as const) {
    if (b[field] === undefined || b[field] === null || b[field] === '' || (Array.isArray(b[field]) && !(b[field] as unknown[]).length)) {
      return errorBody(422, 'missing_required_field', `Missing \`${field}\` field.`);
    }
  }
  if (typeof b.from !== 'string' || !ADDRESS.test(b.from.trim())) {
    return errorBody(
      422,
      'validation_error',
      'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.',
    );
  }
  const to = list(b.to);
  if (!to) return errorBody(422, 'validation_error', 'Invalid `to` field: must be a string or an array of strings.');
  if (to.length > 50) return errorBody(422, 'validation_error', 'Invalid `to` field: at most 50 recipients.');
  const bad = to.find((a) => !ADDRESS.test(a.trim()));
  if (bad !== undefined)
    return errorBody(
      422,
      'validation_error',
      `Invalid \`to\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`,
    );
  if (typeof b.subject !== 'string') return errorBody(422, 'validation_error', 'Invalid `subject` field: must be a string.');
  if (b.html === undefined && b.text === undefined && b.react === undefined && b.template === undefined) {
    return errorBody(422, 'missing_required_field', 'Missing `html` or `text` field.');
  }
  if (b.html !== undefined && typeof b.html !== 'string') return errorBody(422, 'validation_error', 'Invalid `html` field: must be a string.');
  if (b.text !== undefined && typeof b.text !== 'string') return errorBody(422, 'validation_error', 'Invalid `text` field: must be a string.');
  return undefined;
}

/** Keys are compared with sorted object keys, so a re-serialised identical body still matches. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export async function startResendStandin(opts: ResendStandinOptions): Promise<ResendStandin> {
  const sent: ResendStandinMessage[] = [];
  const requests: ResendStandin['requests'] = [];
  const idempotent = new Map<string, { bodyHash: string; id: string; at: number }>();
  let failures: { status: number; left: number } | undefined;

  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown, key?: string) => {
      requests.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0], status, idempotencyKey: key });
      const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
      if (status === 429) headers['Retry-After'] = '1';
      res.writeHead(status, headers);
      res.end(JSON.stringify(body));
    };

    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0].replace(/\/+$/, '');
      const keyHeader = req.headers['idempotency-key'];
      const key = Array.isArray(keyHeader) ? keyHeader[0] : keyHeader;

      if (path !== '/emails') return reply(404, errorBody(404, 'not_found', 'The requested endpoint does not exist.'), key);
      if (req.method !== 'POST') return reply(405, errorBody(405, 'method_not_allowed', 'Method is not allowed for the requested path.'), key);

      if (failures && failures.left > 0) {
        const status = failures.status;
        if (--failures.left <= 0) failures = undefined;
        return reply(status, errorBody(status), key);
      }

      const auth = req.headers.authorization;
      if (!auth || !/^Bearer\s+\S/i.test(auth)) return reply(401, errorBody(401, 'missing_api_key', 'Missing API key in the authorization header.'), key);
      if (auth.replace(/^Bearer\s+/i, '').trim() !== opts.apiKey) {
        // Resend's sending endpoints answer 401 validation_error for a key that does not exist.
        return reply(401, errorBody(401, 'validation_error', 'API key is invalid'), key);
      }

      let body: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return reply(400, errorBody(400, 'validation_error', 'The request body is not valid JSON.'), key);
      }

      if (key !== undefined && (key.length < 1 || key.length > 256)) {
        return reply(400, errorBody(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.'), key);
      }
      const invalid = validate(body);
      if (invalid) return reply(invalid.statusCode, invalid, key);

      const b = body as Record<string, unknown>;
      const bodyHash = createHash('sha256').update(canonical(b)).digest('hex');
      if (key !== undefined) {
        const previous = idempotent.get(key);
        if (previous && Date.now() - previous.at < IDEMPOTENCY_TTL_MS) {
          if (previous.bodyHash !== bodyHash) {
            return reply(409, errorBody(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.'), key);
          }
          return reply(200, { id: previous.id }, key);
        }
      }

      const id = randomUUID();
      sent.push({
        id,
        from: b.from as string,
        to: list(b.to)!,
        subject: b.subject as string,
        html: b.html as string | undefined,
        text: b.text as string | undefined,
        cc: list(b.cc),
        bcc: list(b.bcc),
        replyTo: list(b.reply_to ?? b.replyTo),
        idempotencyKey: key,
        body: b,
        at: Date.now(),
      });
      if (key !== undefined) idempotent.set(key, { bodyHash, id, at: Date.now() });
      reply(200, { id }, key);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    port,
    sent,
    requests,
    failNext(status: number, times = 1) {
      if (!Number.isInteger(status) || status < 100 || status > 599) throw new RangeError(`not an HTTP status: ${status}`);
      failures = times > 0 ? { status, left: times } : undefined;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
