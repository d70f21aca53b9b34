import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * 192 random bits as hex: a base64url token starts with '-' one time in 32, and `serve --token -x…` then reads as
 * an option (the e2e restart tripped on it).
 */
export function newToken(): string {
  return randomBytes(24).toString('hex');
}

/**
 * What a request showed to be let in. 'token': the token itself, in an Authorization: Bearer header or the URL
 * (`?token=`, the printed link and the page's socket): another page cannot know it. 'page-cookie': the cookie set
 * when the page was opened, which the browser also attaches to requests made by pages on other local ports.
 */
export type Credential = 'token' | 'page-cookie' | null;

/**
 * The cookie that lets the page load its own files. It is not the token: browsers send cookies for 127.0.0.1 to
 * every port, so whatever server runs on another port receives it. A key derived from the token opens the static
 * files only (the public app bundle), and being derived it survives a restart with the same --token.
 * The port in the name keeps two servers on one machine from overwriting each other's cookie.
 */
export interface PageCookie {
  name: string;
  value: string;
}

export function pageCookie(token: string, port: number): PageCookie {
  return {
    name: `broadcast_lab_page_${port}`,
    value: createHmac('sha256', token).update('broadcast-lab page files').digest('base64url'),
  };
}

export function setCookieHeader(cookie: PageCookie): string {
  return `${cookie.name}=${cookie.value}; HttpOnly; SameSite=Strict; Path=/`;
}

export function credentialOf(request: IncomingMessage, url: URL, token: string, cookie: PageCookie): Credential {
  const explicit = explicitToken(request, url);
  if (explicit !== null) return sameSecret(explicit, token) ? 'token' : null;
  return sameSecret(readCookie(request.headers.cookie, cookie.name), cookie.value) ? 'page-cookie' : null;
}

/**
 * Whether the request carries the token in its Authorization header: what an HTTP API call must show. A token in
 * the URL opens the page and the socket (a browser cannot set headers on either), but a URL can leak through
 * history, logs and Referer, so it does not make calls that change anything.
 */
export function tokenInHeader(request: IncomingMessage, token: string): boolean {
  const auth = request.headers.authorization;
  return auth?.startsWith('Bearer ') === true && sameSecret(auth.slice('Bearer '.length), token);
}

/** The printed link carries the token; the page answering it sets the cookie for its own asset requests. */
export function tokenInQuery(url: URL): boolean {
  return url.searchParams.has('token');
}

function explicitToken(request: IncomingMessage, url: URL): string | null {
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  return url.searchParams.get('token');
}

function sameSecret(candidate: string | null, secret: string): boolean {
  if (!candidate) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}
