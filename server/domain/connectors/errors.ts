/** How a platform call failed; the sync engine decides the job's fate from the class. */
export class PlatformError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** 401/403: the credentials no longer work. Retrying will not help; a person must reconnect. */
export class PlatformAuthError extends PlatformError {}

/** 429: wait as long as the platform says (Retry-After), then go on. */
export class PlatformRateLimitError extends PlatformError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message, 429);
  }
}

/** 5xx, timeouts, resets: worth retrying with backoff. */
export class PlatformTransientError extends PlatformError {}

/** A 4xx other than the above, or a body we cannot read: a bug or a misconfiguration, not retried. */
export class PlatformRequestError extends PlatformError {}
