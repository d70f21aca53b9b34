import type { IncomingMessage } from 'node:http';

export interface Refusal {
  status: number;
  message: string;
}

/**
 * The Host values this server answers to: its loopback names on its own port. A page on a rebinding domain
 * (evil.example resolving to 127.0.0.1) sends its own name, so checking Host is what shuts DNS rebinding out.
 * Browsers leave the default port out of Host, hence the bare names on port 80.
 */
export function allowedHosts(boundHost: string, port: number): ReadonlySet<string> {
  const bound = boundHost.includes(':') ? `[${boundHost}]` : boundHost;
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', bound.toLowerCase()]);
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(`${name}:${port}`);
    if (port === 80) hosts.add(name);
  }
  return hosts;
}

/** Host first, then Origin: both are checked on every request and on the WebSocket upgrade. */
export function hostOrOriginRefusal(request: IncomingMessage, hosts: ReadonlySet<string>): Refusal | null {
  const host = request.headers.host?.toLowerCase();
  if (!host || !hosts.has(host)) {
    const [first] = hosts;
    return {
      status: 403,
      message: `Host ${JSON.stringify(request.headers.host ?? '')} is not this server: open http://${first ?? ''}/`,
    };
  }
  // Browsers send Origin on every POST and WebSocket, and on cross-origin reads: it must be this very origin.
  const origin = request.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${host}`)
    return { status: 403, message: `requests from ${origin} are refused: only this server's own page may call it` };
  return null;
}

/**
 * Sec-Fetch-Site names who made the request (Chromium, Firefox, Safari 16.4+). 'none' is the user typing or
 * pasting the URL, which is fine for opening the page but never makes an API call.
 */
export function fetchSiteRefusal(request: IncomingMessage, allowUserNavigation: boolean): Refusal | null {
  const site = request.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || (allowUserNavigation && site === 'none')) return null;
  return { status: 403, message: `requests made by another page (${site}) are refused` };
}
