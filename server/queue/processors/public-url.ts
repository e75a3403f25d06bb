import type { Config } from '../../config.ts';

/** The console's address for links in emails: PUBLIC_URL, else this machine on PORT. */
export const publicUrl = (config: Pick<Config, 'PUBLIC_URL' | 'PORT'>): string => (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
