import { SlurmFields } from '../../../shared/api/contract-cluster';
import type { Issue } from '../../../shared/api/errors';

/** The designer's "Run on cluster" fields as typed: text boxes, empty meaning "the cluster's default". */
export interface ClusterForm {
  results: string;
  /** A shared folder for the datasets, by content hash; empty: each node finds its own copy. */
  datasetCache: string;
  partition: string;
  time: string;
  cpusPerTask: string;
  gpus: string;
  arrayLimit: string;
}

export function newClusterForm(): ClusterForm {
  return { results: '', datasetCache: '', partition: '', time: '', cpusPerTask: '1', gpus: '', arrayLimit: '' };
}

export type ClusterFormResult =
  { ok: true; results: string; datasetCache?: string; slurm: SlurmFields } | { ok: false; issues: Issue[] };

const LABELS: Record<string, string> = {
  results: 'Results folder',
  datasetCache: 'Dataset cache',
  partition: 'Partition',
  time: 'Time limit',
  cpusPerTask: 'CPUs per task',
  gpus: 'GPUs per task',
  arrayLimit: 'Tasks at once',
};

/**
 * The fields as the API takes them, checked with the contract's own schema (the host checks them again): whole
 * numbers where sbatch wants them, and each problem named by the field's label.
 */
export function readClusterForm(form: ClusterForm): ClusterFormResult {
  const issues: Issue[] = [];
  const whole = (key: 'cpusPerTask' | 'gpus' | 'arrayLimit'): number | undefined => {
    const text = form[key].trim();
    if (text === '') return undefined;
    if (!/^\d+$/.test(text)) {
      issues.push({ path: LABELS[key]!, message: `must be a whole number, got "${text}"` });
      return undefined;
    }
    return Number(text);
  };
  const optional = (text: string) => (text.trim() === '' ? undefined : text.trim());
  const raw = {
    partition: optional(form.partition),
    time: optional(form.time),
    cpusPerTask: whole('cpusPerTask'),
    gpus: whole('gpus'),
    arrayLimit: whole('arrayLimit'),
  };
  const results = form.results.trim();
  if (results === '')
    issues.push({ path: LABELS.results!, message: 'is needed: a folder the nodes share with this machine' });
  else if (!results.startsWith('/')) issues.push({ path: LABELS.results!, message: 'must be an absolute path' });
  const datasetCache = optional(form.datasetCache);
  if (datasetCache !== undefined && !datasetCache.startsWith('/'))
    issues.push({ path: LABELS.datasetCache!, message: 'must be an absolute path the nodes share' });
  const parsed = SlurmFields.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ path: LABELS[String(issue.path[0])] ?? String(issue.path[0]), message: issue.message });
    }
  }
  if (issues.length > 0 || !parsed.success) return { ok: false, issues };
  return { ok: true, results, ...(datasetCache === undefined ? {} : { datasetCache }), slurm: parsed.data };
}
