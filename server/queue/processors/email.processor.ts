import { createEmailProcessor, outboxTransport } from '../../domain/email/email-processing.ts';
import { selectTransport } from '../../domain/email/transports.ts';
import type { ProcessorDeps } from './index.ts';

/** email-sending: Resend when RESEND_API_KEY, SMTP when SMTP_URL, else the console's outbox. */
export function emailProcessor(deps: ProcessorDeps) {
  const transport = selectTransport(deps.config, outboxTransport());
  deps.log.info({ transport: transport.name }, 'Email transport');
  return createEmailProcessor({ store: deps.store, transport, from: deps.config.EMAIL_FROM });
}
