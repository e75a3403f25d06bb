import { z } from 'zod';
import { ALERT_SEVERITIES, EMAIL_TEMPLATES } from '../../../shared/jobs.ts';
import type { EmailTemplate, RenderedEmail } from './types.ts';

/**
 * The four transactional emails. Each template's data is checked by its own schema (below), every
 * value that came from a job is HTML-escaped, and only http(s) links are ever rendered.
 * Required links (reportUrl, inviteUrl) that are not http(s) fail validation; optional ones
 * (alertUrl, dashboardUrl) are dropped.
 */

// ───────────────────────────── errors ─────────────────────────────

/** The job's email data does not fit its template (or its recipients are not addresses): retrying won't help. */
export class EmailDataError extends Error {
  override name = 'EmailDataError';
  constructor(
    /** Field path (e.g. `inviteUrl`, `highlights.2`, `to`) → what is wrong with it. */
    readonly fieldErrors: Record<string, string[]>,
    readonly template?: string,
  ) {
    const problems = Object.entries(fieldErrors)
      .map(([field, messages]) => `${field}: ${messages.join(', ')}`)
      .join('; ');
    super(`Invalid email data${template ? ` for template "${template}"` : ''}: ${problems}`);
  }
}

// ───────────────────────────── escaping and links ─────────────────────────────

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes a value for HTML text and for double- or single-quoted attributes. null/undefined → ''. */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
}

/** The URL normalised when it is an absolute http(s) URL, else undefined (javascript:, data:, relative, junk). */
export function safeHttpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (!url.hostname) return undefined;
  return url.href;
}

/** Markup that is already safe; anything else interpolated into `html` is escaped. */
class SafeHtml {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

function interpolate(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(interpolate).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(v);
}

/** Tagged template: every interpolated value is escaped unless it is itself `html`. */
function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += interpolate(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

// ───────────────────────────── schemas ─────────────────────────────

const requiredString = (max: number) =>
  z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`);

const optionalString = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullish()
    .transform((s) => (s ? s : undefined));

/** A link the email cannot do without: must be an absolute http(s) URL. */
const requiredLink = z
  .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(2048, 'must be at most 2048 characters')
  .transform((s, ctx) => {
    const url = safeHttpUrl(s);
    if (!url) {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) URL' });
      return z.NEVER;
    }
    return url;
  });

/** A link the email can do without: anything but an absolute http(s) URL (null included) is dropped. */
const optionalLink = z
  .unknown()
  .optional()
  .transform((v) => (typeof v === 'string' && v.length <= 2048 ? safeHttpUrl(v) : undefined));

/** report-delivery: a generated report is ready. */
export const reportDeliveryDataSchema = z.object({
  /** e.g. "Weekly performance report"; default "Your report". */
  reportName: optionalString(200),
  organizationName: optionalString(200),
  /** Shown as given, e.g. "7d", "2024-W12" or "1–7 March 2024". */
  period: optionalString(100),
  /** Where the report can be opened (http(s)). */
  reportUrl: requiredLink,
  /** A few one-line findings, shown as a list. */
  highlights: z
    .array(requiredString(500), { error: 'must be a list of strings' })
    .max(20, 'must have at most 20 items')
    .nullish()
    .transform((h) => h ?? undefined),
});

/** team-invitation: someone invited the recipient into an organization. */
export const teamInvitationDataSchema = z.object({
  inviterName: requiredString(200),
  organizationName: requiredString(200),
  /** The accept link (http(s)). */
  inviteUrl: requiredLink,
  /** e.g. "Admin", "Viewer". */
  role: optionalString(100),
});

/** alert-notification: an alert fired for the organization. */
export const alertNotificationDataSchema = z.object({
  /** e.g. "DATA_ANOMALY", "SYNC_FAILED". */
  alertType: requiredString(200),
  /** LOW | MEDIUM | HIGH | CRITICAL (any case). */
  severity: z
    .string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(ALERT_SEVERITIES, { error: `must be one of ${ALERT_SEVERITIES.join(', ')}` })),
  message: requiredString(5000),
  organizationName: optionalString(200),
  /** Where the alert can be seen (http(s); dropped otherwise). */
  alertUrl: optionalLink,
  /** Extra facts, shown as a key/value table (at most 20 entries, long values cut). */
  metadata: z
    .record(z.string(), z.unknown(), { error: 'must be an object' })
    .nullish()
    .transform((m) => m ?? undefined),
});

/** welcome: a new account. */
export const welcomeDataSchema = z.object({
  name: requiredString(200),
  /** Where to start (http(s); dropped otherwise). */
  dashboardUrl: optionalLink,
});

export const templateDataSchemas = {
  'report-delivery': reportDeliveryDataSchema,
  'team-invitation': teamInvitationDataSchema,
  'alert-notification': alertNotificationDataSchema,
  welcome: welcomeDataSchema,
} as const satisfies Record<EmailTemplate, z.ZodType>;

/** What a job's `data` may hold for each template (before defaults and link filtering). */
export type EmailTemplateInput = { [T in EmailTemplate]: z.input<(typeof templateDataSchemas)[T]> };
type Parsed = { [T in EmailTemplate]: z.output<(typeof templateDataSchemas)[T]> };

function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.map(String).join('.') : '(data)';
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

// ───────────────────────────── layout ─────────────────────────────

const BRAND = '#4f46e5';
/** Our own constant markup: interpolated into `html` unescaped. */
const FONT = new SafeHtml("font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;");
const P = new SafeHtml(`margin:0 0 16px 0;${FONT.value}font-size:16px;line-height:24px;color:#1f2937;`);

const SEVERITY_COLOURS: Record<(typeof ALERT_SEVERITIES)[number], string> = {
  LOW: '#2563eb',
  MEDIUM: '#d97706',
  HIGH: '#ea580c',
  CRITICAL: '#dc2626',
};

interface Body {
  /** Hidden preview line shown by mail clients next to the subject. */
  preheader: string;
  html: SafeHtml;
  text: string[];
  footerNote?: string;
}

function button(url: string, label: string): SafeHtml {
  return html`<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:8px 0 24px 0;"><tr><td align="center" bgcolor="${BRAND}" style="border-radius:6px;background:${BRAND};"><a href="${url}" target="_blank" rel="noopener" style="display:inline-block;padding:12px 24px;${FONT}font-size:16px;font-weight:600;line-height:20px;color:#ffffff;text-decoration:none;border-radius:6px;">${label}</a></td></tr></table><p style="margin:0 0 16px 0;${FONT}font-size:13px;line-height:20px;color:#6b7280;">If the button does not work, paste this link into your browser:<br><a href="${url}" target="_blank" rel="noopener" style="color:${BRAND};word-break:break-all;">${url}</a></p>`;
}

function layout(subject: string, body: Body): string {
  const footer = body.footerNote ? html`${body.footerNote}<br>` : '';
  return `<!DOCTYPE html>
${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light">
<title>${subject}</title>
</head>
<body style="margin:0;padding:0;background-color:#f3f4f6;">
<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;">${body.preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background-color:#ffffff;border-radius:8px;border:1px solid #e5e7eb;">
<tr><td style="padding:20px 32px;background-color:${BRAND};border-radius:8px 8px 0 0;${FONT}font-size:20px;font-weight:700;line-height:28px;color:#ffffff;">BizInsights</td></tr>
<tr><td style="padding:32px;">
${body.html}
</td></tr>
<tr><td style="padding:16px 32px 24px 32px;border-top:1px solid #e5e7eb;${FONT}font-size:12px;line-height:18px;color:#6b7280;">${footer}Sent by BizInsights, business analytics for your store.</td></tr>
</table>
</td></tr>
</table>
</body>
</html>`}`;
}

function textLayout(body: Body): string {
  const lines = ['BizInsights', '', ...body.text, '', '--'];
  if (body.footerNote) lines.push(body.footerNote);
  lines.push('Sent by BizInsights, business analytics for your store.');
  return `${lines.join('\n')}\n`;
}

const heading = (s: string) => html`<h1 style="margin:0 0 16px 0;${FONT}font-size:22px;font-weight:700;line-height:30px;color:#111827;">${s}</h1>`;
const para = (content: unknown) => html`<p style="${P}">${content}</p>`;
const strong = (s: string) => html`<strong>${s}</strong>`;

// ───────────────────────────── templates ─────────────────────────────

function reportDelivery(d: Parsed['report-delivery']): Body {
  const name = d.reportName ?? 'Your report';
  const forOrg = d.organizationName ? ` for ${d.organizationName}` : '';
  const period = d.period ? ` (${d.period})` : '';
  const highlights = d.highlights ?? [];
  return {
    preheader: `${name}${forOrg} is ready.`,
    html: html`${heading(`${name} is ready`)}${para(html`${strong(name)}${forOrg}${period} has been generated and is ready to view.`)}${
      highlights.length
        ? html`<p style="margin:0 0 8px 0;${FONT}font-size:16px;line-height:24px;font-weight:600;color:#1f2937;">Highlights</p><ul style="margin:0 0 24px 0;padding:0 0 0 20px;${FONT}font-size:15px;line-height:22px;color:#1f2937;">${highlights.map(
            (h) => html`<li style="margin:0 0 6px 0;">${h}</li>`,
          )}</ul>`
        : ''
    }${button(d.reportUrl, 'View report')}`,
    text: [
      `${name} is ready`,
      '',
      `${name}${forOrg}${period} has been generated and is ready to view.`,
      ...(highlights.length ? ['', 'Highlights:', ...highlights.map((h) => `- ${h}`)] : []),
      '',
      `View report: ${d.reportUrl}`,
    ],
    footerNote: d.organizationName ? `You receive this report as a member of ${d.organizationName}.` : undefined,
  };
}

function teamInvitation(d: Parsed['team-invitation']): Body {
  const role = d.role ? ` as ${d.role}` : '';
  return {
    preheader: `${d.inviterName} invited you to ${d.organizationName} on BizInsights.`,
    html: html`${heading(`Join ${d.organizationName} on BizInsights`)}${para(
      html`${strong(d.inviterName)} has invited you to join ${strong(d.organizationName)}${role} on BizInsights.`,
    )}${button(d.inviteUrl, 'Accept invitation')}${para(
      html`<span style="font-size:13px;color:#6b7280;">If you were not expecting this invitation, you can ignore this email.</span>`,
    )}`,
    text: [
      `Join ${d.organizationName} on BizInsights`,
      '',
      `${d.inviterName} has invited you to join ${d.organizationName}${role} on BizInsights.`,
      '',
      `Accept invitation: ${d.inviteUrl}`,
      '',
      'If you were not expecting this invitation, you can ignore this email.',
    ],
  };
}

const METADATA_MAX_ENTRIES = 20;
const METADATA_MAX_VALUE = 300;

function metadataValue(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (v === undefined) s = '';
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === null) s = String(v);
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > METADATA_MAX_VALUE ? `${s.slice(0, METADATA_MAX_VALUE - 1)}…` : s;
}

function alertNotification(d: Parsed['alert-notification']): Body {
  const colour = SEVERITY_COLOURS[d.severity];
  const entries = Object.entries(d.metadata ?? {});
  const shown = entries.slice(0, METADATA_MAX_ENTRIES).map(([k, v]) => [k, metadataValue(v)] as const);
  const more = entries.length - shown.length;
  const forOrg = d.organizationName ? ` for ${d.organizationName}` : '';
  return {
    preheader: `${d.severity} alert${forOrg}: ${d.alertType}`,
    html: html`<p style="margin:0 0 12px 0;"><span style="display:inline-block;padding:4px 10px;border-radius:4px;background-color:${colour};${FONT}font-size:12px;font-weight:700;letter-spacing:0.5px;line-height:16px;color:#ffffff;">${d.severity}</span></p>${heading(
      `Alert: ${d.alertType}`,
    )}${d.organizationName ? para(html`Organization: ${strong(d.organizationName)}`) : ''}<div style="margin:0 0 24px 0;padding:16px;border-left:4px solid ${colour};background-color:#f9fafb;${FONT}font-size:16px;line-height:24px;color:#1f2937;white-space:pre-wrap;">${d.message}</div>${
      shown.length
        ? html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:0 0 24px 0;border-collapse:collapse;${FONT}font-size:14px;line-height:20px;">${shown.map(
            ([k, v]) =>
              html`<tr><td valign="top" style="padding:6px 12px 6px 0;border-bottom:1px solid #e5e7eb;color:#6b7280;white-space:nowrap;">${k}</td><td valign="top" style="padding:6px 0;border-bottom:1px solid #e5e7eb;color:#1f2937;word-break:break-word;">${v}</td></tr>`,
          )}${more > 0 ? html`<tr><td colspan="2" style="padding:6px 0;color:#6b7280;">…and ${more} more</td></tr>` : ''}</table>`
        : ''
    }${d.alertUrl ? button(d.alertUrl, 'View alert') : ''}`,
    text: [
      `[${d.severity}] Alert: ${d.alertType}`,
      ...(d.organizationName ? [`Organization: ${d.organizationName}`] : []),
      '',
      d.message,
      ...(shown.length ? ['', 'Details:', ...shown.map(([k, v]) => `  ${k}: ${v}`)] : []),
      ...(more > 0 ? [`  …and ${more} more`] : []),
      ...(d.alertUrl ? ['', `View alert: ${d.alertUrl}`] : []),
    ],
    footerNote: d.organizationName ? `You receive alerts for ${d.organizationName}.` : undefined,
  };
}

function welcome(d: Parsed['welcome']): Body {
  return {
    preheader: `Welcome to BizInsights, ${d.name}.`,
    html: html`${heading(`Welcome to BizInsights, ${d.name}!`)}${para(
      'Your account is ready. Connect your store, payment and marketing platforms, and BizInsights will bring their numbers together in one dashboard, with insights and reports delivered to you.',
    )}${d.dashboardUrl ? button(d.dashboardUrl, 'Open your dashboard') : ''}${para('Glad to have you with us.')}`,
    text: [
      `Welcome to BizInsights, ${d.name}!`,
      '',
      'Your account is ready. Connect your store, payment and marketing platforms, and BizInsights will bring their numbers together in one dashboard, with insights and reports delivered to you.',
      ...(d.dashboardUrl ? ['', `Open your dashboard: ${d.dashboardUrl}`] : []),
      '',
      'Glad to have you with us.',
    ],
  };
}

const renderers: { [T in EmailTemplate]: (d: Parsed[T]) => Body } = {
  'report-delivery': reportDelivery,
  'team-invitation': teamInvitation,
  'alert-notification': alertNotification,
  welcome,
};

/** Validates `data` against the template's schema; throws EmailDataError naming each bad field. */
export function parseTemplateData<T extends EmailTemplate>(template: T, data: unknown): Parsed[T] {
  if (!(EMAIL_TEMPLATES as readonly string[]).includes(template)) {
    throw new EmailDataError({ template: [`must be one of ${EMAIL_TEMPLATES.join(', ')}`] }, String(template));
  }
  const parsed = templateDataSchemas[template].safeParse(data);
  if (!parsed.success) throw new EmailDataError(fieldErrorsOf(parsed.error), template);
  return parsed.data as Parsed[T];
}

/**
 * Renders one template. `subject` is the job's subject (line breaks folded to spaces); it is the
 * email's subject as is and escaped where the HTML shows it. Throws EmailDataError for bad data.
 */
export function renderEmail(template: EmailTemplate, data: Record<string, unknown>, subject: string): RenderedEmail {
  const cleanSubject = String(subject ?? '')
    .replace(/[\r\n\t]+/g, ' ')
    .trim();
  if (!cleanSubject) throw new EmailDataError({ subject: ['must not be empty'] }, template);
  const parsed = parseTemplateData(template, data);
  const body = (renderers[template] as (d: unknown) => Body)(parsed);
  return { subject: cleanSubject, html: layout(cleanSubject, body), text: textLayout(body) };
}
