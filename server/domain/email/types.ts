import type { EMAIL_TEMPLATES } from '../../../shared/jobs.ts';

export type EmailTemplate = (typeof EMAIL_TEMPLATES)[number];

/** A rendered email, ready for any transport. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export interface OutgoingEmail extends RenderedEmail {
  from: string;
  to: string;
  /** Stable per job and recipient: providers that support it drop a repeated send. */
  idempotencyKey: string;
}

export interface SendResult {
  provider: 'resend' | 'smtp' | 'outbox';
  /** The provider's id for the accepted message. */
  messageId: string;
}

/** How mail leaves: Resend's HTTP API, SMTP, or the console's outbox. */
export interface EmailTransport {
  name: SendResult['provider'];
  send(message: OutgoingEmail, signal?: AbortSignal): Promise<SendResult>;
}
