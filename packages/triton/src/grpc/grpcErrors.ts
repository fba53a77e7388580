/// <reference types="node" />
// gRPC status → the same RemoteError codes the HTTP client uses, so callers branch on `err.code` (and on
// `details.status`, the equivalent HTTP status) without caring which protocol carried the call.
import { RemoteError, SightlineError, type SightlineErrorCode } from '@sightline/core';
import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';

/** A failed gRPC call; `grpcCode` is the raw status, `status` the HTTP status Triton would have sent. */
export class TritonGrpcError extends RemoteError {
  readonly grpcCode: number;
  readonly status: number;
  constructor(code: SightlineErrorCode, message: string, grpcCode: number, httpStatus: number, serverMessage: string, cause: unknown) {
    super(code, message, { cause, details: { grpcCode, grpcStatus: GrpcStatus[grpcCode] ?? String(grpcCode), status: httpStatus, serverMessage } });
    this.grpcCode = grpcCode;
    this.status = httpStatus;
  }
}

// Same mapping Triton uses between its HTTP and gRPC front ends.
const HTTP_STATUS: Partial<Record<number, number>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 400,
  [GrpcStatus.OUT_OF_RANGE]: 400,
  [GrpcStatus.FAILED_PRECONDITION]: 400,
  [GrpcStatus.UNAUTHENTICATED]: 401,
  [GrpcStatus.PERMISSION_DENIED]: 403,
  [GrpcStatus.NOT_FOUND]: 404,
  [GrpcStatus.ALREADY_EXISTS]: 409,
  [GrpcStatus.RESOURCE_EXHAUSTED]: 429,
  [GrpcStatus.CANCELLED]: 499,
  [GrpcStatus.UNIMPLEMENTED]: 501,
  [GrpcStatus.UNAVAILABLE]: 503,
  [GrpcStatus.DEADLINE_EXCEEDED]: 504,
};

// grpc-js reports transport failures (refused, reset, DNS) as UNAVAILABLE with these details; a server
// that answered UNAVAILABLE itself (model not ready, shutting down) says something else.
const TRANSPORT_FAILURE = /No connection established|connect|ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|Connection dropped|socket|GOAWAY|Name resolution/i;

export function isServiceError(e: unknown): e is ServiceError {
  return e instanceof Error && typeof (e as Partial<ServiceError>).code === 'number' && 'details' in e;
}

/** Translate a grpc-js error; `aborted` says the caller's AbortSignal fired (so CANCELLED is ours). */
export function fromGrpcError(e: unknown, method: string, url: string, aborted: boolean): SightlineError {
  if (e instanceof SightlineError) return e;
  if (!isServiceError(e)) return new RemoteError('E_REMOTE_NETWORK', `${method} ${url}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  const serverMessage = e.details ?? '';
  const httpStatus = HTTP_STATUS[e.code] ?? 500;
  const where = `${method} ${url}`;
  let code: SightlineErrorCode;
  switch (e.code) {
    case GrpcStatus.CANCELLED:
      code = aborted ? 'E_ABORTED' : 'E_REMOTE_NETWORK';
      break;
    case GrpcStatus.DEADLINE_EXCEEDED:
      code = 'E_REMOTE_TIMEOUT';
      break;
    case GrpcStatus.UNAVAILABLE:
      code = TRANSPORT_FAILURE.test(serverMessage) ? 'E_REMOTE_NETWORK' : 'E_REMOTE_UNAVAILABLE';
      break;
    case GrpcStatus.INTERNAL:
      // grpc-js reports a response it could not decode as INTERNAL "Response message parsing error".
      code = /parsing error/i.test(serverMessage) ? 'E_REMOTE_PROTOCOL' : 'E_REMOTE_HTTP';
      break;
    case GrpcStatus.RESOURCE_EXHAUSTED:
      code = /larger than|too large/i.test(serverMessage) ? 'E_REMOTE_TOO_LARGE' : 'E_REMOTE_HTTP';
      break;
    default:
      code = 'E_REMOTE_HTTP';
  }
  const label = GrpcStatus[e.code] ?? String(e.code);
  return new TritonGrpcError(code, `${where} failed: ${label}${serverMessage ? `: ${serverMessage}` : ''}`, e.code, httpStatus, serverMessage, e);
}
