/**
 * Which view is shown, mirrored in the URL hash (#sessions, #sessions/12, #design …) so that a reload, the back
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
}

export class NavigationState {
  view = $state<ViewId>('sessions');
  sessionId = $state<number | null>(null);

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

  #read(): void {
    const route = parseHash(window.location.hash);
    this.view = route.view;
    this.sessionId = route.sessionId;
  }

  #write(route: Route): void {
    this.view = route.view;
    this.sessionId = route.sessionId;
    const hash =
      route.view === 'sessions' && route.sessionId !== null ? `#sessions/${route.sessionId}` : `#${route.view}`;
    if (window.location.hash !== hash) history.pushState(null, '', hash);
  }
}

export function parseHash(hash: string): Route {
  const [name, id] = hash.replace(/^#\/?/, '').split('/');
  const view = VIEWS.find((v) => v.id === name)?.id ?? 'sessions';
  const sessionId = view === 'sessions' && id && /^\d+$/.test(id) ? Number(id) : null;
  return { view, sessionId };
}
