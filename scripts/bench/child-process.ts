import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildArgs } from './child.ts';
import type { ChildMessage, ParentMessage } from './shared.ts';

// Compiled (npm run bench) the child is child.js beside this file; under tsx (npm run bench:tsx), child.ts.
const CHILD_ENTRY = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? './child.js' : './child.ts', import.meta.url));

/**
 * A child process running scripts/bench/child.ts under the same loader (tsx) as this process.
 * Messages are read in order with `next()`; an `error` message or an early exit rejects.
 */
export class BenchChild {
  private readonly proc: ChildProcess;
  private readonly inbox: ChildMessage[] = [];
  private waiter: { resolve: (m: ChildMessage) => void; reject: (e: Error) => void } | undefined;
  private exitError: Error | undefined;
  readonly exited: Promise<number | null>;

  constructor(args: ChildArgs) {
    this.proc = fork(CHILD_ENTRY, [JSON.stringify(args)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    // A send to a child that just died: its exit rejects whoever waits, so the error needs no handler of its own.
    this.proc.on('error', () => {});
    this.proc.on('message', (m: ChildMessage) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        if (m.kind === 'error') w.reject(new Error(`bench child (${args.role}) failed: ${m.message}`));
        else w.resolve(m);
      } else this.inbox.push(m);
    });
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code) => {
        this.exitError = new Error(`bench child (${args.role}) exited with code ${code}`);
        this.waiter?.reject(this.exitError);
        this.waiter = undefined;
        resolve(code);
      }),
    );
  }

  /** The next message, or a rejection after `timeoutMs` (the child is then killed). */
  next(timeoutMs = 180_000): Promise<ChildMessage> {
    const queued = this.inbox.shift();
    if (queued) return queued.kind === 'error' ? Promise.reject(new Error(queued.message)) : Promise.resolve(queued);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<ChildMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        this.kill();
        reject(new Error(`bench child gave no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  /** A command of the child's role ('mark', run…); its answer comes through next(). */
  send(message: ParentMessage): void {
    if (this.exitError || !this.proc.connected) throw this.exitError ?? new Error('bench child is gone');
    this.proc.send(message);
  }

  /** Asks the child to stop (servers, probe) and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.exitError) return;
    if (this.proc.connected) this.proc.send('stop');
    const timer = setTimeout(() => this.kill(), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.pid) this.proc.kill('SIGKILL');
  }
}
