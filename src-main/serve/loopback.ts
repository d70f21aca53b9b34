import net from 'node:net';

/** Serve mode must never be reachable from another machine: only loopback addresses are accepted. */
export function assertLoopbackHost(host: string): void {
  if (host === 'localhost') return;
  const family = net.isIP(host);
  const loopback =
    (family === 4 && host.startsWith('127.')) || (family === 6 && (host === '::1' || host === '0:0:0:0:0:0:0:1'));
  if (!loopback) {
    throw new Error(
      `Refusing to bind serve mode to ${JSON.stringify(host)}: only loopback addresses (127.0.0.1, ::1, localhost) are allowed. ` +
        'To watch a run from another machine, forward the port over SSH.',
    );
  }
}
