import { createRequire } from 'node:module';
import { expect } from 'vitest';

/**
 * Reads an exported SVG the way a checker would: as strict XML (any error fails), then by what the marks are. The
 * mapping from pixels back to values is computed from the axis itself (its tick lines and their labels), not from
 * anything the exporter says, so that a figure whose marks are drawn off their axis fails.
 */

/** The part of the DOM the checks use (xmldom's nodes; the DOM library is not in the Node tsconfig). */
export interface XmlNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  parentNode: XmlNode | null;
  childNodes: ArrayLike<XmlNode>;
  getAttribute(name: string): string | null;
}

interface XmlDocument {
  documentElement: XmlNode;
}

type XmlParser = new (options: { errorHandler: (level: string, message: unknown) => void }) => {
  parseFromString(text: string, mime: string): XmlDocument;
};

// @xmldom/xmldom is loaded untyped: its declarations pull the DOM library into every file of the project.
const { DOMParser } = createRequire(import.meta.url)('@xmldom/xmldom') as { DOMParser: XmlParser };

/** Parses strictly: a warning, an error or a fatal error from the parser fails the test with its message. */
export function parseSvg(svg: string): XmlNode {
  const problems: string[] = [];
  const parser = new DOMParser({ errorHandler: (level, message) => problems.push(`${level}: ${String(message)}`) });
  const doc = parser.parseFromString(svg, 'image/svg+xml');
  expect(problems).toEqual([]);
  expect(doc.documentElement.nodeName).toBe('svg');
  return doc.documentElement;
}

export function elements(root: XmlNode, name?: string): XmlNode[] {
  const out: XmlNode[] = [];
  const walk = (node: XmlNode) => {
    for (let i = 0; i < node.childNodes.length; i++) {
      const child = node.childNodes[i]!;
      if (child.nodeType !== 1) continue;
      if (name === undefined || child.nodeName === name) out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

export function hasClass(node: XmlNode, cls: string): boolean {
  return (node.getAttribute('class') ?? '').split(/\s+/).includes(cls);
}

/** Texts of the <text> elements inside groups with the given class (role-axis-title, role-legend-label…). */
export function textsIn(root: XmlNode, groupClass: string): string[] {
  return elements(root, 'g')
    .filter((g) => hasClass(g, groupClass))
    .flatMap((g) => elements(g, 'text').map((t) => t.textContent ?? ''));
}

function translateOf(node: XmlNode): [number, number] {
  const match = /^translate\(([-\d.e]+),\s*([-\d.e]+)\)/.exec(node.getAttribute('transform') ?? '');
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

/** Where a node's own origin is in the SVG's coordinates: the sum of its and its ancestors' translations. */
export function origin(node: XmlNode): [number, number] {
  let x = 0;
  let y = 0;
  for (let n: XmlNode | null = node; n && n.nodeName !== '#document'; n = n.parentNode) {
    if (n.nodeType !== 1) continue;
    const [dx, dy] = translateOf(n);
    x += dx;
    y += dy;
  }
  return [x, y];
}

/** value = a + b·pixel, fitted through the axis's tick lines and the numbers their labels print. */
export interface AxisMap {
  toValue(pixel: number): number;
  ticks: { pixel: number; value: number }[];
}

/** The linear map of the axis whose aria-label starts with prefix ("X-axis", "Y-axis titled 'Test accuracy'"). */
export function axisMap(root: XmlNode, prefix: string, which: 'x' | 'y'): AxisMap {
  const axis = elements(root, 'g').find(
    (g) => hasClass(g, 'role-axis') && (g.getAttribute('aria-label') ?? '').startsWith(prefix),
  );
  if (!axis) throw new Error(`no axis labelled ${prefix}…`);
  const tickLines = elements(axis, 'g')
    .filter((g) => hasClass(g, 'role-axis-tick'))
    .flatMap((g) => elements(g, 'line'));
  const labels = elements(axis, 'g')
    .filter((g) => hasClass(g, 'role-axis-label'))
    .flatMap((g) => elements(g, 'text'));
  expect(labels.length).toBe(tickLines.length);
  const ticks = tickLines.map((line, i) => ({
    pixel: origin(line)[which === 'x' ? 0 : 1],
    value: Number((labels[i]?.textContent ?? '').replace(/\u2212/g, '-').replace(/,/g, '')),
  }));
  expect(ticks.length).toBeGreaterThanOrEqual(2);
  const first = ticks[0]!;
  const last = ticks.at(-1)!;
  const slope = (last.value - first.value) / (last.pixel - first.pixel);
  return { ticks, toValue: (pixel) => first.value + slope * (pixel - first.pixel) };
}

/** The vertices of an SVG path written as M/L commands (Vega's lines), in the SVG's coordinates. */
export function pathVertices(path: XmlNode): [number, number][] {
  const [ox, oy] = origin(path);
  const d = path.getAttribute('d') ?? '';
  const out: [number, number][] = [];
  for (const match of d.matchAll(/[ML]\s*([-\d.e]+)[ ,]([-\d.e]+)/g)) {
    out.push([ox + Number(match[1]), oy + Number(match[2])]);
  }
  return out;
}
