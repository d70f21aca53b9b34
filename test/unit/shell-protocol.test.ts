import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_SCHEME_PRIVILEGES,
  CONTENT_SECURITY_POLICY,
  createAppProtocolHandler,
  resolveAppPath,
} from '../../src-main/desktop/protocol';
import { APP_ENTRY_URL, APP_ORIGIN, isAppUrl } from '../../src-main/desktop/origin';

describe('app:// protocol', () => {
  let base: string;
  let root: string;
  let handler: (request: Request) => Promise<Response>;

  beforeAll(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-protocol-'));
    root = path.join(base, 'renderer');
    fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Broadcast Lab</title>');
    fs.writeFileSync(path.join(root, 'assets', 'app-1234.js'), 'console.log("hi")');
    fs.writeFileSync(path.join(root, 'assets', 'a b.css'), 'body{}');
    // Files next to the renderer folder that must never be served.
    fs.writeFileSync(path.join(base, 'secret.txt'), 'secret');
    fs.mkdirSync(path.join(base, 'renderer-evil'));
    fs.writeFileSync(path.join(base, 'renderer-evil', 'x.js'), 'evil');
    handler = createAppProtocolHandler({ root });
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => handler(new Request(url, { method }));

  it('registers app as a standard, secure scheme that does not bypass CSP', () => {
    expect(APP_SCHEME_PRIVILEGES.scheme).toBe('app');
    expect(APP_SCHEME_PRIVILEGES.privileges).toMatchObject({ standard: true, secure: true, supportFetchAPI: true });
    expect(APP_SCHEME_PRIVILEGES.privileges?.bypassCSP).not.toBe(true);
    expect(APP_ENTRY_URL).toBe('app://broadcast-lab/index.html');
  });

  it('serves the renderer with the strict CSP and the right type', async () => {
    const response = await get(APP_ENTRY_URL);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = response.headers.get('content-security-policy');
    expect(csp).toBe(CONTENT_SECURITY_POLICY);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self' 'wasm-unsafe-eval'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ]) {
      expect(csp?.split('; ')).toContain(directive);
    }
    expect(csp).not.toMatch(/'unsafe-eval'|\*/);
    expect(await response.text()).toContain('Broadcast Lab');

    const js = await get(`${APP_ORIGIN}/assets/app-1234.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await js.text()).toBe('console.log("hi")');
    expect((await get(`${APP_ORIGIN}/assets/a%20b.css`)).status).toBe(200);
  });

  it('maps the origin root and extension-less routes to index.html', async () => {
    for (const url of [
      `${APP_ORIGIN}/`,
      `${APP_ORIGIN}`,
      `${APP_ORIGIN}/sessions/3`,
      `${APP_ORIGIN}/index.html?x=1#y`,
    ]) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(await response.text()).toContain('Broadcast Lab');
    }
  });

  it.each([
    `${APP_ORIGIN}/..%2fsecret.txt`,
    `${APP_ORIGIN}/..%2Frenderer-evil/x.js`,
    `${APP_ORIGIN}/%2e%2e%5csecret.txt`,
    `${APP_ORIGIN}/assets%5c..%5c..%5csecret.txt`,
    `${APP_ORIGIN}/index.html%00.js`,
    `${APP_ORIGIN}/%E0%A4%A`,
  ])('refuses path traversal and odd encodings: %s', async (url) => {
    const resolved = resolveAppPath(root, url);
    expect(resolved.kind).toBe('refused');
    const response = await get(url);
    expect(response.status).toBe(403);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(await response.text()).not.toContain('secret');
  });

  it.each([
    `${APP_ORIGIN}/../../secret.txt`,
    `${APP_ORIGIN}/%2e%2e/secret.txt`,
    `${APP_ORIGIN}/assets/%2E%2E/%2E%2E/secret.txt`,
  ])('keeps dot segments the URL parser resolves inside the root: %s', async (url) => {
    // WHATWG URL parsing removes ../ and %2e%2e/ segments before the handler sees the path; what is
    // left is looked up inside root, where there is no secret.txt.
    expect(resolveAppPath(root, url)).toEqual({ kind: 'file', file: path.join(root, 'secret.txt') });
    const response = await get(url);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('secret');
  });

  it('refuses other hosts and schemes', async () => {
    expect((await get('app://other-host/index.html')).status).toBe(403);
    expect(resolveAppPath(root, 'file:///etc/passwd').kind).toBe('refused');
    expect(resolveAppPath(root, 'not a url').kind).toBe('refused');
  });

  it('answers 404 for missing files and 405 for writes', async () => {
    expect((await get(`${APP_ORIGIN}/assets/missing.js`)).status).toBe(404);
    expect((await get(`${APP_ORIGIN}/assets`)).status).toBe(200); // a route: the SPA decides
    expect((await get(APP_ENTRY_URL, 'POST')).status).toBe(405);
    const head = await get(APP_ENTRY_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('recognises only our origin as the app', () => {
    expect(isAppUrl('app://broadcast-lab/index.html')).toBe(true);
    expect(isAppUrl('app://broadcast-lab.evil/index.html')).toBe(false);
    expect(isAppUrl('app://user@broadcast-lab/')).toBe(false);
    expect(isAppUrl('app://broadcast-lab:8080/')).toBe(false);
    expect(isAppUrl('https://broadcast-lab/')).toBe(false);
    expect(isAppUrl('nonsense')).toBe(false);
  });
});
