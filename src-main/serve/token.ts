import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'broadcast_lab_token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(candidate: string | undefined | null, token: string): boolean {
  if (!candidate) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token may come in the URL (first visit), a cookie set on that visit, or a bearer header (scripts). */
export function requestToken(request: IncomingMessage, url: URL): { token: string | null; fromQuery: boolean } {
  const query = url.searchParams.get('token');
  if (query) return { token: query, fromQuery: true };
  const auth = request.headers.authorization;
  if (auth?.startsWith('Bearer ')) return { token: auth.slice('Bearer '.length), fromQuery: false };
  return { token: readCookie(request.headers.cookie, TOKEN_COOKIE), fromQuery: false };
}

export function isAuthorized(request: IncomingMessage, url: URL, token: string): boolean {
  return sameToken(requestToken(request, url).token, token);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}
