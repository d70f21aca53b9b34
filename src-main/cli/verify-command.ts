import path from 'node:path';
import { verifyBundle } from '../export';
import type { Output } from './output';

/**
 * `broadcast-lab verify BUNDLE.zip`: checks every file against the bundle's SHA-256 manifest. It reads no database,
 * so it calls the export room directly instead of opening a data folder through the API.
 */
export async function verifyCommand(io: Output, file: string, json: boolean): Promise<number> {
  const check = await verifyBundle(path.resolve(file));
  if (json) {
    io.out(JSON.stringify(check, null, 2));
    return check.ok ? 0 : 1;
  }
  for (const problem of check.problems) io.err(`${file}: ${problem}`);
  for (const f of check.files) if (f.status !== 'ok') io.err(`${f.name}: ${f.status} (${f.detail})`);
  for (const name of check.unlisted) io.err(`${name}: not in the manifest`);
  const good = check.files.filter((f) => f.status === 'ok').length;
  if (check.ok) io.out(`${file}: all ${good} files match the manifest`);
  else io.out(`${file}: FAILED — ${check.files.length - good} of ${check.files.length} files do not match`);
  return check.ok ? 0 : 1;
}
