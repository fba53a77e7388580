// An HTTP error answer from a KServe v2 server, with the status and the server's own `{ "error": "…" }`
// text, so callers can branch on `status` (400 bad input, 404 unknown model, 503 unavailable).
import { RemoteError, type SightlineErrorCode } from '@sightline/core';

export class TritonHttpError extends RemoteError {
  readonly status: number;
  readonly serverMessage: string;

  constructor(status: number, serverMessage: string, url: string, code: SightlineErrorCode = status === 503 ? 'E_REMOTE_UNAVAILABLE' : 'E_REMOTE_HTTP') {
    super(code, `HTTP ${status} from ${url}${serverMessage ? `: ${serverMessage}` : ''}`, { details: { status, serverMessage, url } });
    this.status = status;
    this.serverMessage = serverMessage;
  }
}
