import os from 'node:os';

/**
 * On a busy machine other processes, not the action, would make the worst waits: Redis and the
 * probe run ahead of them where that is allowed (root); elsewhere they keep their priority.
 */
export function raisePriority(pid: number | undefined): void {
  try {
    if (pid) os.setPriority(pid, -10);
  } catch {
    // not permitted: measured at normal priority
  }
}

/** A PING every ~2 ms from a process of its own (node -e), so the app's work in the test's process does not count. */
export const PING_PROBE = `
const socket = require('node:net').connect(Number(process.argv[1]), '127.0.0.1');
let sentAt = 0, max = 0, pings = 0, stop = false;
const ping = () => { sentAt = performance.now(); socket.write('PING\\r\\n'); };
process.on('message', () => { stop = true; });
socket.setNoDelay(true);
socket.on('connect', ping);
socket.on('data', () => {
  if (pings++ === 0) process.send('ready');
  else max = Math.max(max, performance.now() - sentAt);
  if (stop) { process.send({ max, pings }); socket.destroy(); process.disconnect(); } else setTimeout(ping, 2);
});`;
