import fs from 'node:fs';
import { describeIssues } from '../../shared/api/errors';
import { expandSweep, type ExpandedSweep } from '../../shared/sweeps/expand';
import type { Call } from './caller';

/** Reads and expands a sweep file; throws an Error naming the file and every problem (each with its field). */
export function readSweep(file: string): ExpandedSweep {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const expanded = expandSweep(raw);
  if (!expanded.ok) throw new Error(`${file} is not a valid sweep: ${describeIssues(expanded.issues)}`);
  return expanded;
}

/** The session of that id or name, created by name when there is none. */
export async function sessionFor(call: Call, nameOrId: string): Promise<number> {
  const sessions = await call('sessions.list', {});
  const byId = /^\d+$/.test(nameOrId) ? sessions.find((s) => s.id === Number(nameOrId)) : undefined;
  const found = byId ?? sessions.find((s) => s.name === nameOrId);
  return found ? found.id : (await call('sessions.create', { name: nameOrId })).id;
}

/** The session a sweep's runs go to when none is named: one per sweep name. */
export function defaultSweepSession(sweep: ExpandedSweep): string {
  const name = sweep.points[0]?.spec.name.replace(/ \[.*\]$/, '') ?? 'sweep';
  return `Sweep: ${name}`.slice(0, 200);
}
