import { describe, expect, it } from 'vitest';
import { EMAIL_TEMPLATES } from '../../shared/jobs.ts';
import { EmailDataError, escapeHtml, renderEmail, safeHttpUrl } from '../../server/domain/email/templates.ts';
import { isEmailAddress, normaliseRecipients } from '../../server/domain/email/transports.ts';
import type { EmailTemplate } from '../../server/domain/email/types.ts';

const VALID: Record<EmailTemplate, Record<string, unknown>> = {
  'report-delivery': {
    reportName: 'Weekly performance',
    organizationName: 'Acme Shoes',
    period: '2025-03-03 to 2025-03-09',
    reportUrl: 'https://app.bizinsights.test/reports/r_123',
    highlights: ['Revenue up 12%', 'Best day: Friday'],
  },
  'team-invitation': {
    inviterName: 'Jane Roe',
    organizationName: 'Acme Shoes',
    inviteUrl: 'https://app.bizinsights.test/invite/tok_abc',
    role: 'Viewer',
  },
  'alert-notification': {
    alertType: 'DATA_ANOMALY',
    severity: 'HIGH',
    message: 'Revenue dropped 40% compared to last Tuesday.',
    organizationName: 'Acme Shoes',
    alertUrl: 'https://app.bizinsights.test/alerts/a_9',
    metadata: { metric: 'revenue', change: -0.4, nested: { a: 1 } },
  },
  welcome: { name: 'John Doe', dashboardUrl: 'https://app.bizinsights.test/' },
};

/** Every piece of text a template shows, so each one can be checked in the output. */
const SHOWN: Record<EmailTemplate, string[]> = {
  'report-delivery': [
    'Weekly performance',
    'Acme Shoes',
    '2025-03-03 to 2025-03-09',
    'Revenue up 12%',
    'Best day: Friday',
    'https://app.bizinsights.test/reports/r_123',
  ],
  'team-invitation': ['Jane Roe', 'Acme Shoes', 'Viewer', 'https://app.bizinsights.test/invite/tok_abc'],
  'alert-notification': ['DATA_ANOMALY', 'HIGH', 'Revenue dropped 40%', 'Acme Shoes', 'metric', 'revenue', '-0.4', 'https://app.bizinsights.test/alerts/a_9'],
  welcome: ['John Doe', 'https://app.bizinsights.test/'],
};

/** The strings fields in each template's data: each gets the hostile payload in turn. */
const TEXT_FIELDS: Record<EmailTemplate, string[]> = {
  'report-delivery': ['reportName', 'organizationName', 'period'],
  'team-invitation': ['inviterName', 'organizationName', 'role'],
  'alert-notification': ['alertType', 'message', 'organizationName'],
  welcome: ['name'],
};

const REQUIRED: Record<EmailTemplate, string[]> = {
  'report-delivery': ['reportUrl'],
  'team-invitation': ['inviterName', 'organizationName', 'inviteUrl'],
  'alert-notification': ['alertType', 'severity', 'message'],
  welcome: ['name'],
};

const PAYLOAD = `<script>alert("x")</script>'"&`;
const PAYLOAD_ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&quot;&amp;';

/** The parts of the HTML that came from us: no `<script`, and every href is http(s). */
function expectSafeHtml(html: string) {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/javascript:/i);
  for (const [, href] of html.matchAll(/href="([^"]*)"/g)) expect(href).toMatch(/^https?:\/\//);
  // No attribute was broken out of: every quote in a tag pairs up.
  for (const [tag] of html.matchAll(/<[a-z][^>]*>/gi)) expect((tag.match(/"/g) ?? []).length % 2).toBe(0);
}

describe('escapeHtml', () => {
  it('escapes markup and both kinds of quote', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });
});

describe('safeHttpUrl', () => {
  it('keeps absolute http(s) URLs and drops everything else', () => {
    expect(safeHttpUrl('https://example.com/a?b=1')).toBe('https://example.com/a?b=1');
    expect(safeHttpUrl(' http://example.com ')).toBe('http://example.com/');
    for (const bad of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'data:text/html,<b>x</b>',
      'vbscript:x',
      'mailto:a@b.c',
      '/relative',
      '//example.com/x',
      'not a url',
      '',
      42,
      undefined,
    ]) {
      expect(safeHttpUrl(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('renderEmail', () => {
  for (const template of EMAIL_TEMPLATES) {
    describe(template, () => {
      it('renders an HTML part and a text part with the data', () => {
        const out = renderEmail(template, VALID[template], 'The subject line');
        expect(out.subject).toBe('The subject line');
        expect(out.html).toMatch(/^<!DOCTYPE html>/);
        expect(out.html).toContain('BizInsights');
        expect(out.html).toContain('<title>The subject line</title>');
        expect(out.html).toContain('max-width:600px');
        expect(out.text).toContain('BizInsights');
        expect(out.text).not.toMatch(/<[a-z]/i);
        for (const shown of SHOWN[template]) {
          expect(out.html, `html shows ${shown}`).toContain(escapeHtml(shown));
          expect(out.text, `text shows ${shown}`).toContain(shown);
        }
        expectSafeHtml(out.html);
      });

      it('renders with only the required fields', () => {
        const minimal = Object.fromEntries(REQUIRED[template].map((k) => [k, VALID[template][k]]));
        const out = renderEmail(template, minimal, 'Hi');
        expect(out.html).toContain('BizInsights');
        expect(out.text.length).toBeGreaterThan(20);
        expectSafeHtml(out.html);
      });

      it('escapes <script> and quotes in every text field and in the subject', () => {
        for (const field of TEXT_FIELDS[template]) {
          const data = { ...VALID[template], [field]: PAYLOAD };
          const out = renderEmail(template, data, `Subject ${PAYLOAD}`);
          expect(out.html, field).not.toContain(PAYLOAD);
          expect(out.html, field).not.toContain('<script>');
          expect(out.html, field).toContain(PAYLOAD_ESCAPED);
          expectSafeHtml(out.html);
          // The subject header and the text part carry the value as it is.
          expect(out.subject).toBe(`Subject ${PAYLOAD}`);
          expect(out.text, field).toContain(PAYLOAD);
        }
      });

      for (const field of REQUIRED[template]) {
        it(`throws EmailDataError naming ${field} when it is missing`, () => {
          const { [field]: _omitted, ...data } = VALID[template];
          let caught: unknown;
          try {
            renderEmail(template, data, 'Hi');
          } catch (err) {
            caught = err;
          }
          expect(caught).toBeInstanceOf(EmailDataError);
          const err = caught as EmailDataError;
          expect(Object.keys(err.fieldErrors)).toContain(field);
          expect(err.message).toContain(field);
          expect(err.message).toContain(template);
        });
      }
    });
  }

  it('escapes hostile values in highlights and in metadata keys and values', () => {
    const report = renderEmail('report-delivery', { ...VALID['report-delivery'], highlights: [PAYLOAD, 'fine'] }, 'S');
    expect(report.html).not.toContain('<script>');
    expect(report.html).toContain(PAYLOAD_ESCAPED);
    const alert = renderEmail(
      'alert-notification',
      { ...VALID['alert-notification'], metadata: { [PAYLOAD]: PAYLOAD, obj: { html: '<img src=x onerror=alert(1)>' } } },
      'S',
    );
    expect(alert.html).not.toContain('<script>');
    expect(alert.html).not.toContain('<img');
    expect(alert.html.split(PAYLOAD_ESCAPED).length - 1).toBe(2);
    expectSafeHtml(alert.html);
  });

  it('escapes quotes inside a link so the href attribute cannot be broken out of', () => {
    const out = renderEmail('welcome', { name: 'A', dashboardUrl: `https://example.com/?q="><script>alert(1)</script>&x='y'` }, 'S');
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('href="https://example.com/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&amp;x=%27y%27"');
    expectSafeHtml(out.html);
  });

  it('drops a javascript: URL in an optional link field', () => {
    for (const url of ['javascript:alert(document.cookie)', 'data:text/html;base64,PHNjcmlwdD4=', '  JAVASCRIPT:alert(1)']) {
      const welcome = renderEmail('welcome', { name: 'A', dashboardUrl: url }, 'S');
      expect(welcome.html).not.toMatch(/javascript:|data:text/i);
      expect(welcome.html).not.toContain('href=');
      expect(welcome.text).not.toMatch(/javascript:|data:text/i);
      expect(welcome.text).not.toContain('Open your dashboard');

      const alert = renderEmail('alert-notification', { ...VALID['alert-notification'], alertUrl: url }, 'S');
      expect(alert.html).not.toMatch(/javascript:|data:text/i);
      expect(alert.html).not.toContain('href=');
      expect(alert.text).not.toContain('View alert');
    }
  });

  it('refuses a javascript: URL where the link is required, naming the field', () => {
    expect(() => renderEmail('team-invitation', { ...VALID['team-invitation'], inviteUrl: 'javascript:alert(1)' }, 'S')).toThrow(
      expect.objectContaining({ name: 'EmailDataError', fieldErrors: { inviteUrl: ['must be an http(s) URL'] } }),
    );
    expect(() => renderEmail('report-delivery', { reportUrl: 'javascript:alert(1)' }, 'S')).toThrow(/reportUrl: must be an http\(s\) URL/);
  });

  it('names wrong types and values, with the path into arrays', () => {
    const err = (() => {
      try {
        renderEmail('report-delivery', { reportUrl: 'https://x.test/r', highlights: ['ok', 7] }, 'S');
      } catch (e) {
        return e as EmailDataError;
      }
    })();
    expect(err).toBeInstanceOf(EmailDataError);
    expect(Object.keys(err!.fieldErrors)).toEqual(['highlights.1']);

    expect(() => renderEmail('alert-notification', { ...VALID['alert-notification'], severity: 'URGENT' }, 'S')).toThrow(
      /severity: must be one of LOW, MEDIUM, HIGH, CRITICAL/,
    );
    expect(() => renderEmail('welcome', { name: '   ' }, 'S')).toThrow(/name: must not be empty/);
    expect(() => renderEmail('welcome', { name: 42 }, 'S')).toThrow(/name: must be a string/);
  });

  it('takes null in an optional field as absent', () => {
    const out = renderEmail(
      'report-delivery',
      { reportUrl: 'https://x.test/r', reportName: null, organizationName: null, period: null, highlights: null },
      'S',
    );
    expect(out.text).toContain('Your report is ready');
    expect(out.text).not.toContain('null');
    const alert = renderEmail('alert-notification', { ...VALID['alert-notification'], metadata: null, alertUrl: null, organizationName: null }, 'S');
    expect(alert.text).not.toContain('null');
  });

  it('accepts severity in any case and shows it upper-cased', () => {
    const out = renderEmail('alert-notification', { ...VALID['alert-notification'], severity: 'critical' }, 'S');
    expect(out.text).toContain('[CRITICAL]');
    expect(out.html).toContain('#dc2626');
  });

  it('folds line breaks in the subject (no header injection) and refuses an empty one', () => {
    expect(renderEmail('welcome', { name: 'A' }, 'Hello\r\nBcc: evil@example.com').subject).toBe('Hello Bcc: evil@example.com');
    expect(() => renderEmail('welcome', { name: 'A' }, ' \n ')).toThrow(EmailDataError);
  });

  it('refuses an unknown template', () => {
    expect(() => renderEmail('nope' as EmailTemplate, {}, 'S')).toThrow(expect.objectContaining({ fieldErrors: { template: [expect.any(String)] } }));
  });

  it('cuts long metadata values and lists only the first 20 entries', () => {
    const metadata = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, 'v'.repeat(1000)]));
    const out = renderEmail('alert-notification', { ...VALID['alert-notification'], metadata }, 'S');
    expect(out.text).toContain('k19');
    expect(out.text).not.toContain('k20:');
    expect(out.text).toContain('and 5 more');
    expect(out.text).not.toContain('v'.repeat(400));
  });
});

describe('isEmailAddress', () => {
  it('accepts bare addresses and refuses the rest', () => {
    for (const ok of ['a@example.com', 'first.last+tag@sub.example.co.uk', "o'brien@example.ie"]) expect(isEmailAddress(ok), ok).toBe(true);
    for (const bad of ['', 'a', 'a@', '@example.com', 'a@example', 'a b@example.com', 'Jane <a@example.com>', 'a@example.com\r\nBcc: x@y.z', 42, null]) {
      expect(isEmailAddress(bad), String(bad)).toBe(false);
    }
  });
});

describe('normaliseRecipients', () => {
  it('trims, lower-cases the domain, keeps the local part and drops duplicates in order', () => {
    expect(normaliseRecipients(' User@Example.COM ')).toEqual(['User@example.com']);
    expect(normaliseRecipients(['b@x.com', 'A@X.com', 'b@X.COM ', 'a@x.com', 'A@x.com'])).toEqual(['b@x.com', 'A@x.com', 'a@x.com']);
  });

  it('throws EmailDataError naming to for a bad address or an empty list', () => {
    for (const bad of [['ok@x.com', 'not-an-address'], 'nope', [], ['  ']] as (string | string[])[]) {
      let caught: unknown;
      try {
        normaliseRecipients(bad);
      } catch (err) {
        caught = err;
      }
      expect(caught, JSON.stringify(bad)).toBeInstanceOf(EmailDataError);
      expect(Object.keys((caught as EmailDataError).fieldErrors)).toEqual(['to']);
      expect((caught as Error).message).toMatch(/^Invalid email data: to: /);
    }
    expect(() => normaliseRecipients(['ok@x.com', 'not-an-address'])).toThrow(/to: \[1\] "not-an-address" is not an email address/);
  });
});
