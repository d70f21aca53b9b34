import { mount } from 'svelte';
import App from './App.svelte';
import { createClient } from './lib/api/client';
import { selectTransport } from './lib/api/select-transport';
import { appContextMap } from './lib/context';
import { ConnectionState } from './lib/stores/connection.svelte';
import { DesignState } from './lib/stores/design.svelte';
import { NavigationState } from './lib/stores/navigation.svelte';
import { SessionsState } from './lib/stores/sessions.svelte';
import { ThemeState } from './lib/stores/theme.svelte';
import './styles/app.css';

// The theme is applied before the first paint so that a dark-mode user never sees a white flash.
const theme = new ThemeState();
const client = createClient(selectTransport());

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');

export default mount(App, {
  target,
  context: appContextMap({
    client,
    theme,
    connection: new ConnectionState(client),
    design: new DesignState(),
    navigation: new NavigationState(),
    sessions: new SessionsState(client),
  }),
});
