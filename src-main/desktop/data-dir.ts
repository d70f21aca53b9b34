import { resolveDataDir } from '../data-dir';

/** The value of `--data DIR` or `--data=DIR` in a command line, if any (the last one wins). */
export function dataFlag(argv: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--data' && i + 1 < argv.length) value = argv[++i];
    else if (arg.startsWith('--data=')) value = arg.slice('--data='.length);
  }
  return value || undefined;
}

/**
 * The desktop app keeps its database in Electron's userData folder unless `--data DIR` or
 * BROADCAST_LAB_DATA names another (the same override serve mode and the CLI accept).
 */
export function desktopDataDir(input: { argv: readonly string[]; env: NodeJS.ProcessEnv; userData: string }): string {
  const flag = dataFlag(input.argv);
  if (flag || input.env.BROADCAST_LAB_DATA) return resolveDataDir(flag, input.env);
  return input.userData;
}
