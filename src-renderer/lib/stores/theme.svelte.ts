/**
 * Light / dark theme. Follows prefers-color-scheme until the user picks one; the pick is remembered in
 * localStorage. The effective theme is written to <html data-theme>, which the CSS variables key on.
 */
export type ThemeName = 'light' | 'dark';
type Preference = ThemeName | 'system';

const STORAGE_KEY = 'broadcast-lab.theme';

export class ThemeState {
  preference = $state<Preference>('system');
  systemDark = $state(false);
  effective: ThemeName = $derived(
    this.preference === 'system' ? (this.systemDark ? 'dark' : 'light') : this.preference,
  );

  constructor() {
    this.preference = readPreference();
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    this.systemDark = query.matches;
    query.addEventListener('change', (event) => {
      this.systemDark = event.matches;
      this.apply();
    });
    this.apply();
  }

  toggle(): void {
    this.preference = this.effective === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(STORAGE_KEY, this.preference);
    } catch {
      // Without storage the choice lasts for this page only.
    }
    this.apply();
  }

  apply(): void {
    document.documentElement.dataset.theme = this.effective;
    document.documentElement.style.colorScheme = this.effective;
  }
}

function readPreference(): Preference {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    return 'system';
  }
}
