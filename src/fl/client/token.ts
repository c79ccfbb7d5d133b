/** Client tokens carry the client's name: "NAME.SECRET" (the secret is 256 random bits, base64url). */
import { CohortError } from '../../errors.js';

export function formatClientToken(name: string, secret: string): string {
  return `${name}.${secret}`;
}

export function parseClientToken(token: string): { name: string; token: string } {
  const dot = typeof token === 'string' ? token.lastIndexOf('.') : -1;
  if (dot <= 0 || dot === token.length - 1) {
    throw new CohortError('INVALID_ARGUMENT', '--token must be the NAME.SECRET string printed by `cohort server add-client NAME`', { subject: '--token' });
  }
  return { name: token.slice(0, dot), token };
}
