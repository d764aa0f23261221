// How a failed `tessera` command reports: `tessera: CODE: message` on stderr (and a JSON error with --json), exit 1.
import { TesseraError, errorMessage, isTesseraError } from '#common';

export function reportFailure(e: unknown, json: boolean, out: (s: string) => void, err: (s: string) => void): number {
  const te = isTesseraError(e) ? e : new TesseraError('INTERNAL', errorMessage(e));
  if (json) out(`${JSON.stringify({ error: { code: te.code, message: te.message } })}\n`);
  err(`tessera: ${te.code}: ${te.message.split('\n')[0]}\n`);
  return 1;
}
