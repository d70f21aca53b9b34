import type { AxisValue } from './schema';

type Json = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Json {
  return typeof value === 'object' && value !== null;
}

/**
 * Sets a dotted field in a copy of a resolved experiment spec. The parent of the field must exist, with two
 * conveniences: an arm's missing rule parameters (the catalogue's defaults apply) and an arm's missing optimiser or
 * regularisers, which start as a copy of the experiment's so that sweeping one of their fields overrides only it.
 * Returns the new spec, or the problem in words.
 */
export function setField(
  spec: Record<string, unknown>,
  field: string,
  value: AxisValue,
): { spec: Record<string, unknown> } | { problem: string } {
  const copy = structuredClone(spec);
  const keys = field.split('.');
  let node: unknown = copy;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i]!;
    if (!isContainer(node)) return { problem: `${keys.slice(0, i).join('.')} is not an object or a list` };
    let child = readKey(node, key);
    if (child === undefined && i === 2 && keys[0] === 'rules') {
      if (key === 'params') child = {};
      else if (key === 'optimizer' || key === 'regularizers') child = structuredClone(copy[key]);
      if (child !== undefined) writeKey(node, key, child);
    }
    if (child === undefined) return { problem: `the experiment has no field ${keys.slice(0, i + 1).join('.')}` };
    node = child;
  }
  if (!isContainer(node)) return { problem: `${keys.slice(0, -1).join('.')} is not an object or a list` };
  const last = keys.at(-1)!;
  if (Array.isArray(node) && !/^\d+$/.test(last)) return { problem: `${field}: ${last} is not a list index` };
  if (Array.isArray(node) && Number(last) >= node.length) {
    return { problem: `${field}: the list ${keys.slice(0, -1).join('.')} has ${node.length} entries` };
  }
  const current = readKey(node, last);
  if (isContainer(current)) return { problem: `${field} is an object or a list, not a value that can be swept` };
  writeKey(node, last, value);
  return { spec: copy };
}

function readKey(node: Json, key: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(key) ? node[Number(key)] : undefined;
  return Object.hasOwn(node, key) ? node[key] : undefined;
}

function writeKey(node: Json, key: string, value: unknown): void {
  if (Array.isArray(node)) node[Number(key)] = value;
  else node[key] = value;
}
