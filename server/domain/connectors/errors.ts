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

/**
 * 429 or a platform's own throttle: wait as long as the platform says, then go on. When it does not say
 * (`told` false: GA4's RESOURCE_EXHAUSTED has no Retry-After), retryAfterMs is a floor and the sync engine
 * backs off further on each throttle in a row, up to a cap, instead of knocking every second.
 */
export class PlatformRateLimitError extends PlatformError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    readonly told = true,
  ) {
    super(message, 429);
  }
}

/**
 * Refused for a reason a person must fix that is not the credentials: an API version the platform
 * retired, data the app is not approved to read. The integration goes to ERROR (not NEEDS_REAUTH:
 * reconnecting would not help) and an alert of `alertType` says what to do.
 */
export class PlatformAccessError extends PlatformError {
  constructor(
    message: string,
    readonly alertType: string,
    status?: number,
  ) {
    super(message, status);
  }
}

/** 5xx, timeouts, resets: worth retrying with backoff. */
export class PlatformTransientError extends PlatformError {}

/** A 4xx other than the above, or a body we cannot read: a bug or a misconfiguration, not retried. */
export class PlatformRequestError extends PlatformError {}
