import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Dispatcher } from '../api/dispatcher';
import type { EventBus } from '../api/event-bus';
import { assertLoopbackHost } from './loopback';
import { handleInvoke, MAX_MESSAGE_BYTES } from './invoke-route';
import { handleDownload } from './download-route';
import type { DownloadExport } from '../api/export-download';
import { allowedHosts, fetchSiteRefusal, hostOrOriginRefusal, type Refusal } from './request-guard';
import { SECURITY_HEADERS } from './security-headers';
import { sendJson } from './send-json';
import { resolveStaticFile, sendFile } from './static-files';
import { credentialOf, pageCookie, setCookieHeader, tokenInHeader, tokenInQuery, type PageCookie } from './token';
import { attachApiSocket } from './websocket-api';

export interface ServeOptions {
  host: string;
  port: number;
  token: string;
  /** The renderer's build folder; null serves the API alone. */
  staticDir: string | null;
  dispatcher: Dispatcher;
  bus: EventBus;
  /** Exports for the browser to save (POST /api/export); absent: the route answers 404. */
  download?: DownloadExport;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const WS_PATH = '/api/ws';
const INVOKE_PREFIX = '/api/invoke/';
export const DOWNLOAD_PATH = '/api/export';

/** What every request is checked against, known once the server listens (port 0 picks the port). */
interface Gate {
  options: ServeOptions;
  hosts: ReadonlySet<string>;
  cookie: PageCookie;
}

/**
 * HTTP + WebSocket transport of the API, bound to loopback. Every request and socket must name this server in
 * Host, come from its own origin if it says where it comes from, and hold the token; API calls and sockets must
 * hold the token itself, never just the page's cookie.
 */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  assertLoopbackHost(options.host);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  // Handlers go on once the port is known (port 0 picks one), before the event loop can deliver a request.
  const { port } = server.address() as AddressInfo;
  const gate: Gate = { options, hosts: allowedHosts(options.host, port), cookie: pageCookie(options.token, port) };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.setHeader(name, value);
    handleHttp(request, response, gate).catch((error: unknown) => {
      console.error('request failed:', error);
      if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
      else response.destroy();
    });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws takes the socket over nothing else listens for its errors, and an unheard error ends the process.
    socket.on('error', () => socket.destroy());
    const refusal = upgradeRefusal(request, gate);
    if (refusal) {
      // Browsers do not show a refused handshake to the page; the reason is for scripts and logs.
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${refusal.message}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => attachApiSocket(ws, options.dispatcher, options.bus));
  });

  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/?token=${options.token}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function upgradeRefusal(request: IncomingMessage, gate: Gate): Refusal | null {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname !== WS_PATH) return { status: 404, message: `no socket at ${url.pathname}` };
  return (
    hostOrOriginRefusal(request, gate.hosts) ??
    fetchSiteRefusal(request, false) ??
    (credentialOf(request, url, gate.options.token, gate.cookie) === 'token' ? null : TOKEN_NEEDED)
  );
}

const TOKEN_NEEDED: Refusal = {
  status: 401,
  message: 'missing or wrong token: open the URL printed when the server started',
};

async function handleHttp(request: IncomingMessage, response: ServerResponse, gate: Gate): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const credential = credentialOf(request, url, gate.options.token, gate.cookie);
  const refusal = hostOrOriginRefusal(request, gate.hosts) ?? (credential ? null : TOKEN_NEEDED);
  if (refusal) return sendJson(response, refusal.status, { error: refusal.message });
  const path = decodePath(url.pathname);
  if (path === null) return sendJson(response, 400, { error: 'the path has a bad % escape' });

  if (url.pathname.startsWith(INVOKE_PREFIX) || url.pathname === DOWNLOAD_PATH) {
    // The cookie is attached by the browser to requests from any page on 127.0.0.1: it cannot call the API.
    const apiRefusal =
      credential === 'token' && tokenInHeader(request, gate.options.token)
        ? fetchSiteRefusal(request, false)
        : { status: 401, message: 'API calls need the token in an Authorization: Bearer header' };
    if (apiRefusal) return sendJson(response, apiRefusal.status, { error: apiRefusal.message });
    if (url.pathname === DOWNLOAD_PATH) {
      if (!gate.options.download) return sendJson(response, 404, { error: 'this server does not serve exports' });
      return handleDownload(request, response, gate.options.download);
    }
    await handleInvoke(request, response, path.slice(INVOKE_PREFIX.length), gate.options);
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    sendJson(response, 405, { error: `${request.method ?? 'this method'} is not allowed here` });
    return;
  }
  // The token itself opens the page from anywhere (it is the proof); the cookie only for this origin's own loads.
  const foreign = credential === 'page-cookie' ? fetchSiteRefusal(request, true) : null;
  if (foreign) return sendJson(response, foreign.status, { error: foreign.message });
  if (credential === 'token' && tokenInQuery(url)) response.setHeader('set-cookie', setCookieHeader(gate.cookie));
  const file = gate.options.staticDir ? resolveStaticFile(gate.options.staticDir, url.pathname) : null;
  if (!file) {
    sendJson(response, 404, { error: `not found: ${url.pathname}` });
    return;
  }
  sendFile(response, file);
}

function decodePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}
