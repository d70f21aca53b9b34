// An ESLint rule that keeps src-main's rooms apart by where an import lands, not by how its path is spelled:
// a relative import is resolved against the importing file, and the room it lands in must be on the importing
// room's list. Packages with one home (electron, better-sqlite3, …) are allowed only there.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = '(top)';

/**
 * The room of a path under src-main: its first folder (a folder itself, imported for its index, counts as that
 * room), or ROOT for the entry files; null outside src-main.
 */
function roomOf(file, cwd) {
  const base = path.join(cwd, 'src-main');
  const rel = path.relative(base, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  if (parts.length > 1) return parts[0];
  return fs.existsSync(path.join(base, parts[0])) && fs.statSync(path.join(base, parts[0])).isDirectory()
    ? parts[0]
    : ROOT;
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export const roomsRule = {
  meta: {
    type: 'problem',
    docs: { description: 'imports between the rooms of src-main follow the allow-list' },
    schema: [{ type: 'object', additionalProperties: true }],
  },
  create(context) {
    const { rooms, packageHomes = {}, exceptions = {} } = context.options[0] ?? {};
    const file = context.filename;
    const cwd = context.cwd;
    const room = roomOf(file, cwd);
    if (room === null || room === ROOT) return {};
    if (!(room in rooms)) {
      return {
        Program: (node) =>
          context.report({ node, message: `src-main/${room} is a new room: give it its imports in eslint.config.js.` }),
      };
    }
    const allowed = new Set([room, ...rooms[room]]);
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec);
        const rel = path.relative(cwd, target).split(path.sep).join('/');
        if (rel.startsWith('src-renderer/') || rel === 'src-renderer') {
          context.report({ node, message: `src-main/${room} never imports the renderer (${spec}).` });
          return;
        }
        const into = roomOf(target, cwd);
        if (into === null || allowed.has(into)) return;
        if ((exceptions[room] ?? []).some((e) => rel === e || rel.startsWith(`${e}.`))) return;
        const list = [...rooms[room]].join(', ') || 'nothing else';
        context.report({
          node,
          message: `src-main/${room} may import from ${list} and shared/, not from ${into === ROOT ? "src-main's entry files" : `src-main/${into}`} (${spec}).`,
        });
        return;
      }
      const pkg = packageName(spec);
      const homes = packageHomes[pkg] ?? packageHomes[`${pkg.split('/')[0]}/*`];
      if (homes && !homes.includes(room)) {
        context.report({ node, message: `${pkg} belongs in src-main/${homes.join(' or ')}, not src-main/${room}.` });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
