/** Why a single sign-on was refused; the OIDC callback turns it into the sign-in page's message. */
export type SignInRefusedCode = 'ACCOUNT_DISABLED' | 'EMAIL_REQUIRED' | 'EMAIL_TAKEN';

/**
 * A sign-in through the identity provider that we refuse, with a message for the person. Not an AppError: it never
 * reaches the REST or tRPC error table, the callback route redirects with it.
 */
export class SignInRefusedError extends Error {
  constructor(
    readonly code: SignInRefusedCode,
    message: string,
  ) {
    super(message);
    this.name = 'SignInRefusedError';
  }
}
