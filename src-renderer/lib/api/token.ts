/**
 * The serve-mode access token. It arrives once in the page URL (?token=…) printed by the server; it is kept
 * in sessionStorage so that a reload of a URL without the query still connects, and it never leaves this tab.
 */
const STORAGE_KEY = 'broadcast-lab.token';

export function resolveToken(location: Pick<Location, 'search'>, storage: Storage | null): string | null {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    try {
      storage?.setItem(STORAGE_KEY, fromUrl);
    } catch {
      // Storage can be disabled (privacy modes); the token from the URL still works for this load.
    }
    return fromUrl;
  }
  try {
    return storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

export function socketUrl(location: Pick<Location, 'protocol' | 'host'>, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  return `${scheme}://${location.host}/api/ws${query}`;
}
