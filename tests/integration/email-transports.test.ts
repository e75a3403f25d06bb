import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderEmail } from '../../server/domain/email/templates.ts';
import { startResendStandin, type ResendStandin } from '../../server/demo/resend-standin.ts';
import {
  EmailRejectedError,
  EmailTransientError,
  messageIdFor,
  resendTransport,
  selectTransport,
  smtpTransport,
} from '../../server/domain/email/transports.ts';
import type { EmailTransport, OutgoingEmail } from '../../server/domain/email/types.ts';

const API_KEY = 're_test_123456';
const FROM = 'BizInsights <noreply@bizinsights.test>';

/** Each test gets its own idempotency key (the stand-in remembers keys for its whole life, as Resend does for 24 h). */
let testKey = 0;
beforeEach(() => {
  testKey++;
});

function message(overrides: Partial<OutgoingEmail> = {}): OutgoingEmail {
  const rendered = renderEmail(
    'team-invitation',
    { inviterName: 'Jane Roe', organizationName: 'Acme <Shoes>', inviteUrl: 'https://app.bizinsights.test/invite/tok_1', role: 'Viewer' },
    'You are invited to Acme',
  );
  return { ...rendered, from: FROM, to: 'new.member@example.com', idempotencyKey: `job-${testKey}:new.member@example.com`, ...overrides };
}

/** A port nothing listens on: bound by us a moment ago, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to reject');
}

const outbox: EmailTransport = {
  name: 'outbox',
  send: async () => ({ provider: 'outbox', messageId: 'outbox-1' }),
};

// ───────────────────────────── Resend ─────────────────────────────

describe('resendTransport against the Resend stand-in', () => {
  let standin: ResendStandin;
  let transport: EmailTransport;

  beforeAll(async () => {
    standin = await startResendStandin({ apiKey: API_KEY });
    transport = resendTransport({ apiKey: API_KEY, baseUrl: standin.url });
  });
  afterAll(async () => {
    await standin?.close();
  });
  beforeEach(() => {
    standin.sent.length = 0;
    standin.requests.length = 0;
    standin.failNext(500, 0);
  });

  it('sends the message and returns Resend’s id', async () => {
    const msg = message();
    const result = await transport.send(msg);
    expect(result.provider).toBe('resend');
    expect(result.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(standin.sent).toHaveLength(1);
    const sent = standin.sent[0];
    expect(sent.id).toBe(result.messageId);
    expect(sent.from).toBe(FROM);
    expect(sent.to).toEqual(['new.member@example.com']);
    expect(sent.subject).toBe('You are invited to Acme');
    expect(sent.html).toBe(msg.html);
    expect(sent.html).toContain('Acme &lt;Shoes&gt;');
    expect(sent.text).toBe(msg.text);
    expect(sent.idempotencyKey).toBe(msg.idempotencyKey);
  });

  it('honours the idempotency key: two sends with one key give one message and one id', async () => {
    const first = await transport.send(message());
    const second = await transport.send(message());
    expect(second.messageId).toBe(first.messageId);
    expect(standin.sent).toHaveLength(1);
    expect(standin.requests.filter((r) => r.path === '/emails')).toHaveLength(2);

    const other = await transport.send(message({ idempotencyKey: `other-${testKey}:new.member@example.com` }));
    expect(other.messageId).not.toBe(first.messageId);
    expect(standin.sent).toHaveLength(2);
  });

  it('an empty idempotency key sends no Idempotency-Key header (rather than one shared by every message)', async () => {
    const a = await transport.send(message({ idempotencyKey: '' }));
    const b = await transport.send(message({ idempotencyKey: '' }));
    expect(b.messageId).not.toBe(a.messageId);
    expect(standin.sent.map((m) => m.idempotencyKey)).toEqual([undefined, undefined]);
  });

  it('refuses the same key with another body (409): EmailRejectedError', async () => {
    await transport.send(message({ idempotencyKey: `conflict-${testKey}` }));
    const err = await rejection(transport.send(message({ idempotencyKey: `conflict-${testKey}`, subject: 'Something else' })));
    expect(err).toBeInstanceOf(EmailRejectedError);
    expect(err).toMatchObject({ status: 409, code: 'invalid_idempotent_request', retryable: false });
    expect(standin.sent).toHaveLength(1);
  });

  it('a wrong API key is a 401 and an EmailRejectedError (retrying will not help)', async () => {
    const wrong = resendTransport({ apiKey: 're_wrong', baseUrl: standin.url });
    const err = await rejection(wrong.send(message()));
    expect(err).toBeInstanceOf(EmailRejectedError);
    expect(err).toMatchObject({ provider: 'resend', status: 401, retryable: false });
    expect(err.message).toContain('401');
    expect(standin.sent).toHaveLength(0);
  });

  it('a missing key is 401 missing_api_key; a missing field is 422 missing_required_field', async () => {
    const noAuth = await fetch(`${standin.url}/emails`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ statusCode: 401, name: 'missing_api_key' });

    const noSubject = await fetch(`${standin.url}/emails`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${API_KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: FROM, to: ['a@example.com'], html: '<p>x</p>' }),
    });
    expect(noSubject.status).toBe(422);
    expect(await noSubject.json()).toMatchObject({ statusCode: 422, name: 'missing_required_field' });

    const err = await rejection(transport.send(message({ from: 'not an address' })));
    expect(err).toBeInstanceOf(EmailRejectedError);
    expect(err).toMatchObject({ status: 422, code: 'validation_error' });
    expect(standin.sent).toHaveLength(0);
  });

  it('failNext(500) gives an EmailTransientError, and the next send goes through', async () => {
    standin.failNext(500);
    const err = await rejection(transport.send(message()));
    expect(err).toBeInstanceOf(EmailTransientError);
    expect(err).toMatchObject({ status: 500, retryable: true });
    expect(standin.sent).toHaveLength(0);
    await expect(transport.send(message())).resolves.toMatchObject({ provider: 'resend' });
    expect(standin.sent).toHaveLength(1);
  });

  it('429 is transient and carries Retry-After; failNext(status, times) fails that many', async () => {
    standin.failNext(429, 2);
    for (let i = 0; i < 2; i++) {
      const err = await rejection(transport.send(message()));
      expect(err).toBeInstanceOf(EmailTransientError);
      expect(err).toMatchObject({ status: 429, retryAfterMs: 1000 });
    }
    await expect(transport.send(message())).resolves.toMatchObject({ provider: 'resend' });
  });

  it('other 4xx are permanent, 503 is transient', async () => {
    standin.failNext(403);
    expect(await rejection(transport.send(message()))).toBeInstanceOf(EmailRejectedError);
    standin.failNext(503);
    expect(await rejection(transport.send(message()))).toBeInstanceOf(EmailTransientError);
  });

  it('a network failure is an EmailTransientError', async () => {
    const port = await closedPort();
    const down = resendTransport({ apiKey: API_KEY, baseUrl: `http://127.0.0.1:${port}` });
    const err = await rejection(down.send(message()));
    expect(err).toBeInstanceOf(EmailTransientError);
    expect(err.message).toMatch(/unreachable/);
  });

  it('passes the AbortSignal to fetch and lets the abort reason through', async () => {
    const seen: (AbortSignal | null | undefined)[] = [];
    const spy = resendTransport({
      apiKey: API_KEY,
      baseUrl: standin.url,
      fetch: (input, init) => {
        seen.push(init?.signal);
        return fetch(input, init);
      },
    });
    const controller = new AbortController();
    await spy.send(message(), controller.signal);
    expect(seen[0]).toBe(controller.signal);

    const hanging = resendTransport({
      apiKey: API_KEY,
      fetch: (_input, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
        }),
    });
    const timeout = new AbortController();
    const reason = new Error('job timed out');
    const sending = hanging.send(message(), timeout.signal);
    timeout.abort(reason);
    expect(await rejection(sending)).toBe(reason);

    const already = new AbortController();
    already.abort(reason);
    expect(await rejection(transport.send(message(), already.signal))).toBe(reason);
  });

  it('sends the headers Resend expects', async () => {
    const calls: { url: string; headers: Headers; body: unknown }[] = [];
    const spy = resendTransport({
      apiKey: API_KEY,
      baseUrl: `${standin.url}/`,
      fetch: async (input, init) => {
        calls.push({ url: String(input), headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) });
        return fetch(input, init);
      },
    });
    const msg = message();
    await spy.send(msg);
    expect(calls[0].url).toBe(`${standin.url}/emails`);
    expect(calls[0].headers.get('authorization')).toBe(`Bearer ${API_KEY}`);
    expect(calls[0].headers.get('idempotency-key')).toBe(msg.idempotencyKey);
    expect(calls[0].headers.get('content-type')).toBe('application/json');
    expect(calls[0].body).toEqual({ from: FROM, to: [msg.to], subject: msg.subject, html: msg.html, text: msg.text });
  });
});

// ───────────────────────────── SMTP ─────────────────────────────

interface Captured {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  raw: string;
}

/** Just enough MIME for nodemailer's output: headers, multipart/alternative, quoted-printable/base64. */
function parseMime(raw: string) {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

function decodeWords(s: string): string {
  // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
  return s.replace(/(\?=)\s+(?==\?)/g, '$1').replace(/=\?([^?]+)\?([QBqb])\?([^?]*)\?=/g, (_m, _cs, enc: string, text: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(
          text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
    return Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return body;
}

function readMessage(raw: string) {
  const { headers, body } = parseMime(raw);
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get('content-type') ?? '')?.[1];
  const parts: Record<string, string> = {};
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = parseMime(chunk.replace(/^\r?\n/, ''));
      const type = (part.headers.get('content-type') ?? '').split(';')[0].trim();
      parts[type] = decodeBody(part.body.replace(/\r?\n$/, ''), part.headers.get('content-transfer-encoding'));
    }
  }
  return {
    subject: decodeWords(headers.get('subject') ?? ''),
    from: headers.get('from'),
    to: headers.get('to'),
    messageId: headers.get('message-id'),
    idempotencyKey: headers.get('x-idempotency-key'),
    html: parts['text/html']?.replace(/\r\n/g, '\n'),
    text: parts['text/plain']?.replace(/\r\n/g, '\n'),
  };
}

describe('smtpTransport against a local smtp-server', () => {
  const USER = 'mailer';
  const PASS = 'p@ss:word/1';
  const captured: Captured[] = [];
  let server: SMTPServer;
  let port: number;

  beforeAll(async () => {
    server = new SMTPServer({
      logger: false,
      disableReverseLookup: true,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth(auth, _session, callback) {
        if (auth.username === USER && auth.password === PASS) return callback(null, { user: auth.username });
        const err = Object.assign(new Error('Invalid username or password'), { responseCode: 535 });
        callback(err);
      },
      onRcptTo(address: SMTPServerAddress, _session: SMTPServerSession, callback) {
        if (address.address.startsWith('nobody@')) {
          return callback(Object.assign(new Error('5.1.1 Mailbox unavailable'), { responseCode: 550 }));
        }
        if (address.address.startsWith('busy@')) {
          return callback(Object.assign(new Error('4.2.1 Mailbox busy, try later'), { responseCode: 451 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          captured.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            to: session.envelope.rcptTo.map((r) => r.address),
            user: session.user as string | undefined,
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback(null, 'Message queued as q1');
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  beforeEach(() => {
    captured.length = 0;
  });

  const url = () => `smtp://${encodeURIComponent(USER)}:${encodeURIComponent(PASS)}@127.0.0.1:${port}`;

  it('authenticates and delivers subject, from, to, html and text parts', async () => {
    const transport = smtpTransport({ url: url() });
    expect(transport.name).toBe('smtp');
    const msg = message({ subject: 'You are invited to Acme — «Café»' });
    const result = await transport.send(msg);

    expect(result.provider).toBe('smtp');
    expect(result.messageId).toBe(messageIdFor(msg.idempotencyKey, FROM));
    expect(captured).toHaveLength(1);
    const got = captured[0];
    expect(got.user).toBe(USER);
    expect(got.from).toBe('noreply@bizinsights.test');
    expect(got.to).toEqual(['new.member@example.com']);

    const mail = readMessage(got.raw);
    expect(mail.subject).toBe(msg.subject);
    expect(mail.from).toBe(FROM);
    expect(mail.to).toBe('new.member@example.com');
    expect(mail.messageId).toBe(result.messageId);
    expect(mail.idempotencyKey).toBe(msg.idempotencyKey);
    expect(mail.html).toBe(msg.html.replace(/\r\n/g, '\n'));
    expect(mail.text).toBe(msg.text.replace(/\r\n/g, '\n'));
    expect(mail.html).toContain('Acme &lt;Shoes&gt;');
  });

  it('derives the Message-ID from the idempotency key: a resend is recognisable', async () => {
    const transport = smtpTransport({ url: url() });
    const a = await transport.send(message());
    const b = await transport.send(message());
    const c = await transport.send(message({ idempotencyKey: `other-${testKey}:new.member@example.com` }));
    expect(b.messageId).toBe(a.messageId);
    expect(c.messageId).not.toBe(a.messageId);
    expect(a.messageId).toMatch(/^<[0-9a-f]{40}@bizinsights\.test>$/);
    expect(captured.map((m) => readMessage(m.raw).messageId)).toEqual([a.messageId, a.messageId, c.messageId]);
  });

  it('a 550 rejection is an EmailRejectedError', async () => {
    const err = await rejection(smtpTransport({ url: url() }).send(message({ to: 'nobody@example.com' })));
    expect(err).toBeInstanceOf(EmailRejectedError);
    expect(err).toMatchObject({ provider: 'smtp', status: 550, retryable: false });
    expect(captured).toHaveLength(0);
  });

  it('a 4xx reply is an EmailTransientError', async () => {
    const err = await rejection(smtpTransport({ url: url() }).send(message({ to: 'busy@example.com' })));
    expect(err).toBeInstanceOf(EmailTransientError);
    expect(err).toMatchObject({ status: 451, retryable: true });
  });

  it('bad credentials (535) are an EmailRejectedError', async () => {
    const err = await rejection(smtpTransport({ url: `smtp://${USER}:wrong@127.0.0.1:${port}` }).send(message()));
    expect(err).toBeInstanceOf(EmailRejectedError);
    expect(err).toMatchObject({ status: 535 });
  });

  it('connection refused is an EmailTransientError', async () => {
    const dead = await closedPort();
    const err = await rejection(smtpTransport({ url: `smtp://${USER}:x@127.0.0.1:${dead}` }).send(message()));
    expect(err).toBeInstanceOf(EmailTransientError);
    expect(err).toMatchObject({ provider: 'smtp', retryable: true });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('an aborted signal stops the send with its reason', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await rejection(smtpTransport({ url: url() }).send(message(), controller.signal))).toBe(reason);
    expect(captured).toHaveLength(0);
  });

  it('refuses a URL that is not smtp:// or smtps://', () => {
    expect(() => smtpTransport({ url: 'http://example.com' })).toThrow(/smtp:\/\//);
    expect(() => smtpTransport({ url: 'not a url' })).toThrow(TypeError);
  });
});

// ───────────────────────────── choice ─────────────────────────────

describe('selectTransport', () => {
  it('picks Resend when RESEND_API_KEY is set (even with SMTP_URL), and uses RESEND_BASE_URL', async () => {
    const standin = await startResendStandin({ apiKey: API_KEY });
    try {
      const t = selectTransport({ RESEND_API_KEY: API_KEY, RESEND_BASE_URL: standin.url, SMTP_URL: 'smtp://127.0.0.1:1' }, outbox);
      expect(t.name).toBe('resend');
      await t.send(message());
      expect(standin.sent).toHaveLength(1);
    } finally {
      await standin.close();
    }
  });

  it('picks SMTP when only SMTP_URL is set', () => {
    expect(selectTransport({ SMTP_URL: 'smtp://u:p@127.0.0.1:2525' }, outbox).name).toBe('smtp');
    expect(selectTransport({ RESEND_API_KEY: '  ', SMTP_URL: 'smtps://u:p@127.0.0.1:465' }, outbox).name).toBe('smtp');
  });

  it('falls back to the outbox passed in', () => {
    expect(selectTransport({}, outbox)).toBe(outbox);
    expect(selectTransport({ RESEND_API_KEY: '', SMTP_URL: '' }, outbox)).toBe(outbox);
  });
});
