/// <reference types="node" />
// Keep-alive pool of raw HTTP/1.1 connections to one host:port: the warmest idle connection first (LIFO),
// at most `maxSockets` in use, callers beyond that wait in order; idle connections do not keep the process
// alive.
import { RemoteError } from '@sightline/core';
import { Http1Connection } from './http1Connection.node.js';

interface Waiter {
  resolve(c: Http1Connection): void;
  reject(e: unknown): void;
  signal: AbortSignal;
  onAbort(): void;
}

export class Http1Pool {
  private readonly idle: Http1Connection[] = [];
  private readonly all = new Set<Http1Connection>();
  private readonly waiters: Waiter[] = [];
  private busy = 0;
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets: number,
    private readonly maxFreeSockets: number,
  ) {}

  acquire(signal: AbortSignal): Promise<Http1Connection> {
    if (this.closed) return Promise.reject(new RemoteError('E_ABORTED', 'transport closed'));
    if (signal.aborted) return Promise.reject(signal.reason);
    const c = this.take();
    if (c) return Promise.resolve(c);
    return new Promise<Http1Connection>((resolve, reject) => {
      const w: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiters.indexOf(w);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  /** Gives a connection back after its exchange; `reusable` false (or a dead one) closes it. */
  release(c: Http1Connection, reusable: boolean): void {
    this.busy--;
    if (!reusable || c.dead || this.closed) c.destroy();
    else if (this.waiters.length > 0) {
      this.busy++;
      this.handTo(this.waiters.shift()!, c);
      return;
    } else if (this.idle.length < this.maxFreeSockets) {
      c.socket.unref();
      this.idle.push(c);
    } else c.destroy();
    // A slot freed by a closed connection goes to the next waiter on a fresh one.
    if (this.waiters.length > 0) {
      const n = this.take();
      if (n) this.handTo(this.waiters.shift()!, n);
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.signal.removeEventListener('abort', w.onAbort);
      w.reject(new RemoteError('E_ABORTED', 'transport closed'));
    }
    for (const c of this.all) c.destroy();
    this.idle.length = 0;
  }

  private handTo(w: Waiter, c: Http1Connection): void {
    w.signal.removeEventListener('abort', w.onAbort);
    c.socket.ref();
    w.resolve(c);
  }

  private take(): Http1Connection | undefined {
    while (this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (c.dead) continue;
      c.socket.ref();
      this.busy++;
      return c;
    }
    if (this.busy >= this.maxSockets) return undefined;
    const c = new Http1Connection(this.host, this.port, (x) => {
      this.all.delete(x);
      const i = this.idle.indexOf(x);
      if (i >= 0) this.idle.splice(i, 1);
    });
    this.all.add(c);
    this.busy++;
    return c;
  }
}
