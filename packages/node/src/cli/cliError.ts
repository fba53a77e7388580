/** User-facing CLI failures: printed as `error [CODE]: message`, never as a stack trace. */
import { isSightlineError } from '@sightline/core';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** One line for a failure: typed errors show their code, anything else its message. */
export function describeError(e: unknown): { code: string; message: string } {
  if (isSightlineError(e)) return { code: e.code, message: e.message };
  if (e instanceof UsageError) return { code: 'E_USAGE', message: e.message };
  return { code: 'E_INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export function formatError(e: unknown): string {
  const { code, message } = describeError(e);
  return `error [${code}]: ${message}`;
}
