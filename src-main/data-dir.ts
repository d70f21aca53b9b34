import os from 'node:os';
import path from 'node:path';

export const DATABASE_FILE = 'broadcast-lab.sqlite';

/**
 * Where serve and CLI modes keep their data: `--data DIR` first, then BROADCAST_LAB_DATA, then the
 * platform's per-user data folder (the desktop app uses Electron's userData instead).
 */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.BROADCAST_LAB_DATA) return path.resolve(env.BROADCAST_LAB_DATA);
  return defaultDataDir(env);
}

function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'broadcast-lab');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'broadcast-lab');
    default:
      return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'broadcast-lab');
  }
}
