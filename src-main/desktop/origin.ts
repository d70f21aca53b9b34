/**
 * The renderer is served from app://broadcast-lab/ (a privileged, standard, secure custom scheme) rather
 * than file://, so it has a real origin: CSP 'self', fetch and storage behave as on the web, and the
 * IPC layer can tell our pages from anything else by URL.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'broadcast-lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** True for URLs on our app:// origin only (scheme and host both; no user info, no port). */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === ''
  );
}
