/**
 * Which view is shown, mirrored in the URL hash (#sessions, #sessions/12, #design, #monitor/7 …) so that a reload, the back
 * button and a bookmark keep the place. The query string (?token=…) is left alone.
 */
export const VIEWS = [
  { id: 'sessions', label: 'Sessions' },
  { id: 'design', label: 'Design' },
  { id: 'monitor', label: 'Monitor' },
  { id: 'compare', label: 'Compare' },
  { id: 'export', label: 'Export' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

interface Route {
  view: ViewId;
  /** The open session, for views that show one. */
  sessionId: number | null;
  /** The experiment the Monitor view watches. */
  experimentId?: number | null;
}

export class NavigationState {
  view = $state<ViewId>('sessions');
  sessionId = $state<number | null>(null);
  /** Kept while other views are shown, so that coming back to Monitor shows the same experiment. */
  experimentId = $state<number | null>(null);

  constructor() {
    this.#read();
    window.addEventListener('hashchange', () => this.#read());
  }

  go(view: ViewId): void {
    this.#write({ view, sessionId: this.sessionId });
  }

  openSession(id: number | null): void {
    this.#write({ view: 'sessions', sessionId: id });
  }

  /** Shows the Monitor view watching one experiment (#monitor/7). */
  openMonitor(experimentId: number | null): void {
    this.experimentId = experimentId;
    this.#write({ view: 'monitor', sessionId: this.sessionId, experimentId });
  }

  #read(): void {
    const route = parseHash(window.location.hash);
    this.view = route.view;
    this.sessionId = route.sessionId;
    if (route.experimentId != null) this.experimentId = route.experimentId;
  }

  #write(route: Route): void {
    this.view = route.view;
    this.sessionId = route.sessionId;
    const hash = hashOf(route.view, route.sessionId, this.experimentId);
    if (window.location.hash !== hash) history.pushState(null, '', hash);
  }
}

function hashOf(view: ViewId, sessionId: number | null, experimentId: number | null): string {
  if (view === 'sessions' && sessionId !== null) return `#sessions/${sessionId}`;
  if (view === 'monitor' && experimentId !== null) return `#monitor/${experimentId}`;
  return `#${view}`;
}

export function parseHash(hash: string): Route {
  const [name, id] = hash.replace(/^#\/?/, '').split('/');
  const view = VIEWS.find((v) => v.id === name)?.id ?? 'sessions';
  const numeric = id && /^\d+$/.test(id) ? Number(id) : null;
  if (view === 'monitor') return { view, sessionId: null, experimentId: numeric };
  return { view, sessionId: view === 'sessions' ? numeric : null };
}
