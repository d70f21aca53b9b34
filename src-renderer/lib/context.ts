import { getContext } from 'svelte';
import type { ApiClient } from './api/client';
import type { ConnectionState } from './stores/connection.svelte';
import type { DesignState } from './stores/design.svelte';
import type { NavigationState } from './stores/navigation.svelte';
import type { SessionsState } from './stores/sessions.svelte';
import type { ThemeState } from './stores/theme.svelte';

/** What every view may reach: the API client and the app-wide stores. Set once by App.svelte. */
export interface AppContext {
  client: ApiClient;
  connection: ConnectionState;
  design: DesignState;
  navigation: NavigationState;
  sessions: SessionsState;
  theme: ThemeState;
}

const KEY = Symbol('broadcast-lab.app');

/** For mount(App, { context }): the whole app shares one context, built before the first component. */
export function appContextMap(context: AppContext): Map<symbol, AppContext> {
  return new Map([[KEY, context]]);
}

export function getAppContext(): AppContext {
  const context = getContext<AppContext | undefined>(KEY);
  if (!context) throw new Error('getAppContext() called outside <App>');
  return context;
}
