import fs from 'node:fs';
import { describeIssues } from '../../shared/api/errors';
import type { ExperimentSpec } from '../../shared/schemas/experiment';
import type { Call } from './caller';

/** Reads and validates an experiment file; throws an Error whose message names the file and every problem. */
export async function readSpec(file: string, call: Call): Promise<ExperimentSpec> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const result = await call('experiments.validate', { spec: raw });
  if (!result.ok) throw new Error(`${file} is not a valid experiment: ${describeIssues(result.issues)}`);
  return result.spec;
}
