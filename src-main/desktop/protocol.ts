import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { CustomScheme } from 'electron';
import { APP_HOST, APP_SCHEME } from './origin';

/**
 * The window's content security policy, sent as a header on every app:// response. No connect-src
 * beyond 'self': the desktop renderer talks to the main process over IPC, never over the network.
 * 'wasm-unsafe-eval' lets TensorFlow.js compile its WebAssembly backend; nothing may eval JavaScript.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const RESPONSE_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
};

/** Must be passed to protocol.registerSchemesAsPrivileged before the app is ready. */
export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export type ResolvedPath = { kind: 'file'; file: string } | { kind: 'refused'; reason: string };

/**
 * Maps an app:// URL to a file inside `root`. Everything that could step outside the folder is refused
 * before the file system is asked: another host, encoded or literal `..` segments, backslashes (a
 * separator on Windows), NUL bytes, undecodable escapes. A path without a file extension is a route of
 * the single-page app and maps to index.html.
 */
export function resolveAppPath(root: string, url: string): ResolvedPath {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { kind: 'refused', reason: 'malformed URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST)
    return { kind: 'refused', reason: 'foreign origin' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(parsed.pathname);
  } catch {
    return { kind: 'refused', reason: 'malformed escape' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'refused', reason: 'forbidden character' };
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) return { kind: 'refused', reason: 'path traversal' };
  const relative = segments.length === 0 ? 'index.html' : segments.join('/');
  const base = path.resolve(root);
  const file = path.resolve(base, path.extname(relative) ? relative : 'index.html');
  // Belt and braces: whatever the checks above missed, the result must still lie inside root.
  if (!file.startsWith(base + path.sep)) return { kind: 'refused', reason: 'path traversal' };
  return { kind: 'file', file };
}

export interface AppProtocolOptions {
  /** The built renderer folder (out/renderer). */
  root: string;
  readFile?: (file: string) => Promise<Uint8Array>;
}

/** The protocol.handle handler: files from root with the CSP header; 403 for refused paths, 404 for missing files. */
export function createAppProtocolHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  const readFile = options.readFile ?? ((file: string) => fsp.readFile(file));
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    const resolved = resolveAppPath(options.root, request.url);
    if (resolved.kind === 'refused') return plain(403, `refused: ${resolved.reason}`);
    let body: Uint8Array;
    try {
      body = await readFile(resolved.file);
    } catch {
      return plain(404, 'not found');
    }
    const type = MIME[path.extname(resolved.file).toLowerCase()] ?? 'application/octet-stream';
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { ...RESPONSE_HEADERS, 'content-type': type, 'cache-control': 'no-cache' },
    });
  };
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...RESPONSE_HEADERS, 'content-type': 'text/plain; charset=utf-8' } });
}

export interface ProtocolLike {
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void;
}

export function registerAppProtocol(protocol: ProtocolLike, root: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler({ root }));
}
