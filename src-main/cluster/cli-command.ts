import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How a cluster node starts broadcast-lab: the same Node, its options (tsx when run from the sources) and entry
 * file, so that a task runs exactly the code that planned it. The CLI process names itself; a serve or desktop
 * host uses the CLI beside its own entry (out/main/cli.js, or src-main/cli.ts under tsx). Electron's own binary
 * is not Node, so a desktop host's script names `node` from the nodes' PATH (the script is editable).
 */
export function cliCommand(): string[] {
  const entry = process.argv[1];
  if (entry && /(cli\.(ts|js|mjs|cjs)|broadcast-lab)$/.test(entry)) {
    return [process.execPath, ...process.execArgv, path.resolve(entry)];
  }
  const node = process.versions.electron ? 'node' : process.execPath;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const folders = [entry ? path.dirname(path.resolve(entry)) : null, here, path.dirname(here)];
  for (const folder of folders) {
    if (!folder) continue;
    if (fs.existsSync(path.join(folder, 'cli.js'))) return [node, path.join(folder, 'cli.js')];
    if (fs.existsSync(path.join(folder, 'cli.ts'))) return [node, '--import', 'tsx', path.join(folder, 'cli.ts')];
  }
  throw new Error(`cannot tell how to start broadcast-lab on the nodes (this process runs ${entry ?? 'nothing'})`);
}
